package retrieval

import (
	"strings"
	"testing"
	"unicode/utf8"

	"policybot/policies"
)

func TestChunks(t *testing.T) {
	docs := testDocs(t)
	chunks := Chunks(docs)
	byID := map[string]Chunk{}
	for _, c := range chunks {
		if _, dup := byID[c.ID]; dup {
			t.Fatalf("Chunks: duplicate ID %q", c.ID)
		}
		byID[c.ID] = c
	}

	tests := []struct {
		id   string
		want Chunk
	}{
		{"mfg#1", Chunk{ID: "mfg#1", DocID: "mfg", DocTitle: "吴中区制造业高质量发展若干政策", Article: 1, Label: "第1条", Part: 1,
			Chapter: "培育优质企业", Category: policies.Manufacturing, Department: "区工信局",
			EffectiveFrom: date(t, "2025-03-01"), EffectiveTo: date(t, "2027-12-31"), Sample: true,
			Text: "首次认定为国家级专精特新“小巨人”企业的，给予一次性奖励50万元。"}},
		{"mfg#2", Chunk{ID: "mfg#2", DocID: "mfg", DocTitle: "吴中区制造业高质量发展若干政策", Article: 2, Label: "第2条", Part: 1,
			Chapter: "培育优质企业", Category: policies.Manufacturing, Department: "区工业和信息化局",
			EffectiveFrom: date(t, "2025-03-01"), EffectiveTo: date(t, "2027-12-31"), Sample: true,
			Text: "首次纳入规模以上工业统计的企业，奖励10万元。"}},
		{"news#2", Chunk{ID: "news#2", DocID: "news", DocTitle: "区政府常务会议", Article: 2, Label: "第2段", Part: 1,
			Category: policies.News, Text: "2025年2月24日，会议审议了碳达峰行动方案，部署39项重点任务。"}},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			got, ok := byID[tc.id]
			if !ok {
				t.Fatalf("Chunks: no chunk %q", tc.id)
			}
			if got != tc.want {
				t.Errorf("Chunks()[%q] =\n%+v\nwant\n%+v", tc.id, got, tc.want)
			}
		})
	}
}

func TestChunksSplitLongArticle(t *testing.T) {
	// Nine sentences of 60 runes ending in 。！？； in turn: 540 runes, so two
	// pieces of about 270, cut after a sentence end.
	var sents []string
	ends := []string{"。", "！", "？", "；"}
	for i := 0; i < 9; i++ {
		s := strings.Repeat("企业申报补助资金", 7) + string(rune('甲'+i)) + "项" + ends[i%len(ends)]
		sents = append(sents, s)
	}
	long := strings.Join(sents, "")
	if n := utf8.RuneCountInString(long); n <= MaxChunkRunes {
		t.Fatalf("test article has %d runes, want over %d", n, MaxChunkRunes)
	}
	doc := &policies.Document{ID: "long", Title: "长文政策", Category: policies.Commerce, CiteBy: policies.ByArticle,
		Articles: []policies.Article{{Number: 6, Chapter: "附则", Text: long}}}

	chunks := Chunks([]*policies.Document{doc})
	if len(chunks) != 2 {
		t.Fatalf("Chunks(540-rune article) = %d chunks, want 2", len(chunks))
	}
	var joined strings.Builder
	for i, c := range chunks {
		wantID := []string{"long#6", "long#6.2"}[i]
		if c.ID != wantID || c.Part != i+1 || c.Article != 6 || c.Label != "第6条" {
			t.Errorf("piece %d: ID %q Part %d Article %d Label %q, want %q %d 6 第6条", i, c.ID, c.Part, c.Article, c.Label, wantID, i+1)
		}
		if n := utf8.RuneCountInString(c.Text); n > MaxChunkRunes || n < 200 {
			t.Errorf("piece %d has %d runes, want 200..%d (balanced)", i, n, MaxChunkRunes)
		}
		last, _ := utf8.DecodeLastRuneInString(c.Text)
		if !isSentenceEnd(last) {
			t.Errorf("piece %d ends with %q, want a sentence end", i, last)
		}
		if strings.Contains(c.Text, "长文政策") {
			t.Errorf("piece %d Text contains the title; the header belongs in IndexText only", i)
		}
		if want := "长文政策 第6条 附则\n" + c.Text; c.IndexText() != want {
			t.Errorf("piece %d IndexText() = %q, want %q", i, c.IndexText(), want)
		}
		joined.WriteString(c.Text)
	}
	if joined.String() != long {
		t.Errorf("pieces joined differ from the article")
	}
}

func TestSplitArticle(t *testing.T) {
	tests := []struct {
		name string
		text string
		max  int
		want []string
	}{
		{"short kept whole", "第一句。第二句。", 10, []string{"第一句。第二句。"}},
		{"closing quote stays", "他说“好。”然后走了。再见！", 8, []string{"他说“好。”", "然后走了。再见！"}},
		{"comma cut in long sentence", "一二三四五，六七八九十，甲乙丙丁戊。", 8, []string{"一二三四五，", "六七八九十，", "甲乙丙丁戊。"}},
		{"hard cut without commas", "一二三四五六七八九十", 4, []string{"一二三四", "五六七八", "九十"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := splitArticle(tc.text, tc.max)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("splitArticle(%q, %d) = %q, want %q", tc.text, tc.max, got, tc.want)
			}
			for _, p := range got {
				if n := utf8.RuneCountInString(p); n > tc.max {
					t.Errorf("piece %q has %d runes, over %d", p, n, tc.max)
				}
			}
		})
	}
}

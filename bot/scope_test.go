package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"policybot/policies"
	"policybot/retrieval"
)

// scopedBot returns a bot whose corpus holds the bundled measures (吴中区,
// in force) and copies of the manufacturing measure for another district,
// the province and an expired year, each with its own 智改数转 rate.
func scopedBot(t *testing.T) *Bot {
	t.Helper()
	c, err := policies.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	var mfg *policies.Document
	for _, d := range c.Docs {
		if d.ID == "wz-mfg-2025" {
			mfg = d
		}
	}
	if mfg == nil {
		t.Fatal("bundled corpus has no wz-mfg-2025")
	}
	date := func(s string) policies.Date {
		d, err := policies.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	variant := func(id, region, name string, level policies.Level, rate string, from, to string) *policies.Document {
		d := *mfg
		d.ID, d.Region, d.Level = id, region, level
		d.Title = strings.ReplaceAll(mfg.Title, "吴中区", name)
		d.EffectiveFrom, d.EffectiveTo = date(from), date(to)
		d.Year = d.EffectiveFrom.Year()
		d.Articles = nil
		for _, a := range mfg.Articles {
			a.Text = strings.ReplaceAll(strings.ReplaceAll(a.Text, "吴中区", name), "按投入额的12%", "按投入额的"+rate)
			d.Articles = append(d.Articles, a)
		}
		return &d
	}
	docs := append(c.Docs,
		variant("xc-mfg-2025", "相城区", "相城区", policies.LevelDistrict, "9%", "2025-03-01", "2027-12-31"),
		variant("js-mfg-2025", "江苏省", "江苏省", policies.LevelProvince, "7%", "2025-01-01", "2027-12-31"),
		variant("wz-mfg-2022", "吴中区", "吴中区", policies.LevelDistrict, "10%", "2022-01-01", "2022-12-31"),
		variant("wz-mfg-2024", "吴中区", "吴中区", policies.LevelDistrict, "11%", "2024-01-01", "2027-12-31"),
	)
	// Repealed before its end date: only its declaration says so.
	docs[len(docs)-1].Status = policies.StatusRepealed
	ix, err := retrieval.Open(context.Background(), docs, retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(Config{
		Index: ix, HomeRegion: "吴中区", Contact: "区政务服务热线 12345",
		Now: func() time.Time { return time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestScopeFromQuestion: the region, level and year a question names pick
// the measure; the home region's is the default; a region or year the
// corpus has no measure of is said so, with what it has.
func TestScopeFromQuestion(t *testing.T) {
	b := scopedBot(t)
	tests := []struct {
		name string
		q    string
		// doc is the document cited first; "" for a refusal.
		doc      string
		contains []string
		not      []string
	}{
		{"home region by default", "智改数转补助比例是多少", "wz-mfg-2025", []string{"12%"}, []string{"9%", "7%", "10%", "11%"}},
		{"home region named", "吴中区的智改数转补助比例是多少", "wz-mfg-2025", []string{"12%"}, []string{"9%", "7%", "10%", "11%"}},
		{"another district named", "相城区的智改数转补助比例是多少", "xc-mfg-2025", []string{"9%"}, []string{"12%", "7%"}},
		{"district with a year beside it", "相城2025年：智改数转补助比例是多少", "xc-mfg-2025", []string{"9%"}, []string{"12%", "7%"}},
		{"the company's district", "我们公司在相城，智改数转补助比例是多少", "xc-mfg-2025", []string{"9%"}, []string{"12%"}},
		{"a level named", "省里的政策，智改数转补助比例是多少", "js-mfg-2025", []string{"7%"}, []string{"12%", "9%"}},
		{"a region the corpus lacks", "上海对智改数转有没有补贴", "", []string{"上海", "吴中区", "12345"}, []string{"%"}},
		// 昆山 has no measure of its own here, but the province's applies there.
		{"a region covered from above", "昆山对智改数转有没有补贴", "js-mfg-2025", []string{"7%"}, []string{"12%", "9%"}},
		{"a level the corpus lacks", "国家层面的政策，智改数转补助比例是多少", "", []string{"12345"}, []string{"%"}},
		{"a year the corpus lacks", "2019年的制造业政策里智改数转补助比例是多少", "", []string{"2019", "2025-03-01", "12345"}, []string{"%"}},
		// A past year's measure: said to be expired, with its dates, and the
		// measure in force quoted beside it.
		{"an expired year", "2022年的制造业政策里智改数转补助比例是多少", "wz-mfg-2022", []string{"10%", "已失效", "2022-01-01", "2022-12-31", "12%"}, []string{"9%", "7%"}},
		{"an expired year, in English", "What was the 智改数转 subsidy rate in the 2022 manufacturing policy?", "wz-mfg-2022", []string{"10%", "has expired", "2022-01-01", "2022-12-31", "12%"}, []string{"9%", "7%"}},
		{"a region and a year that are not one measure", "相城区2022年：智改数转补助比例是多少", "", []string{"相城区2022年", "12345"}, []string{"%"}},
		{"a level beside a title's tier", "省里的政策，专精特新小巨人奖励多少", "js-mfg-2025", nil, []string{"20万元"}},
		{"a district in English", "What is the 智改数转 subsidy rate in Xiangcheng District?", "xc-mfg-2025", []string{"9%"}, []string{"12%", "7%"}},
		{"a region in English the corpus lacks", "What incentives does Shanghai offer for 智改数转?", "", []string{"Shanghai", "12345"}, []string{"%"}},
		{"registered elsewhere, in English", "We are registered in Shanghai; what is the 智改数转 subsidy rate?", "wz-mfg-2025", []string{"12%"}, []string{"9%", "7%"}},
		{"a repealed measure", "2024年的制造业政策里智改数转补助比例是多少", "wz-mfg-2024", []string{"11%", "已废止", "12%"}, []string{"9%", "7%"}},
		// A place that opens the question, written straight before what is
		// asked, is whose measure is asked about — and a district after its
		// city need not be in the regions table.
		{"a district opening the question", "相城区智改数转补助比例是多少", "xc-mfg-2025", []string{"9%"}, []string{"12%", "7%"}},
		// 无锡新吴区 has no measure here; the province's applies there.
		{"a district of another city", "無錫新吳區智改數轉補助比例是多少", "js-mfg-2025", []string{"7%"}, []string{"12%", "9%"}},
		{"a year before the reward asked", "2019年吴中智改数转补多少", "", []string{"2019", "12345"}, []string{"%"}},
		{"a place only as context", "我们在昆山有个供应商，在吴中的厂做智改数转，补助比例是多少", "wz-mfg-2025", []string{"12%"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ans := ask(t, b, "", tc.q)
			if tc.doc == "" {
				if !ans.Refused || len(ans.Citations) != 0 {
					t.Fatalf("Ask(%q) = %s citing %+v, want a refusal without citations:\n%s", tc.q, ans.Mode, ans.Citations, ans.Text)
				}
			} else if len(ans.Citations) == 0 || ans.Citations[0].Doc != tc.doc {
				t.Fatalf("Ask(%q) cites %+v, want %s first:\n%s", tc.q, ans.Citations, tc.doc, ans.Text)
			}
			for _, s := range tc.contains {
				if !strings.Contains(ans.Text, s) {
					t.Errorf("Ask(%q) does not say %q:\n%s", tc.q, s, ans.Text)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(ans.Text, s) {
					t.Errorf("Ask(%q) says %q:\n%s", tc.q, s, ans.Text)
				}
			}
		})
	}
}

// TestScopeWordsAreNoTopic: the place and year of a question are the
// filter's, not words of its topic (江苏省 names no 江苏老字号).
func TestScopeWordsAreNoTopic(t *testing.T) {
	b := scopedBot(t)
	q := understand(b.cfg.Rewriter.Rewrite("请问相城区2025年出台的措施里，智改数转补助比例是多少？"))
	sc := b.questionScope(q)
	if sc.region != "相城区" || sc.year != 2025 || !sc.named {
		t.Fatalf("scope = %+v, want 相城区 2025 named", sc)
	}
	got := withoutScope(q.norm, sc)
	if strings.Contains(got, "相城") || strings.Contains(got, "2025") || !strings.Contains(got, "智改数转") {
		t.Errorf("withoutScope = %q, want the place and year blanked, the topic kept", got)
	}
	if len([]rune(got)) != len([]rune(q.norm)) {
		t.Errorf("withoutScope changed the length in runes: %q → %q", q.norm, got)
	}
}

package slackbot

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/slack-go/slack"

	"policybot/bot"
	"policybot/bot/convlog"
)

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func TestSplitText(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
	}{
		{"short", "奖励50万元", 3000},
		{"exactly the limit", strings.Repeat("奖", 3000), 3000},
		{"chinese", strings.Repeat("奖励五十万元。", 1000), 3000},
		{"lines", strings.Repeat("第一条 奖励50万元。\n", 500), 3000},
		{"entities at the cut", strings.Repeat("a&amp;b&lt;", 10), 7},
		{"emoji count twice", strings.Repeat("👍", 10), 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parts := splitText(tc.text, tc.limit)
			var joined strings.Builder
			for i, p := range parts {
				if utf16Len(p) > tc.limit {
					t.Errorf("part %d has %d characters, limit %d", i, utf16Len(p), tc.limit)
				}
				if strings.HasPrefix(p, "amp;") || strings.HasPrefix(p, "mp;") || strings.HasPrefix(p, "lt;") || strings.HasPrefix(p, "t;") {
					t.Errorf("part %d starts inside an entity: %q", i, p)
				}
				joined.WriteString(p)
			}
			if strings.ReplaceAll(joined.String(), "\n", "") != strings.ReplaceAll(tc.text, "\n", "") {
				t.Errorf("splitText lost or reordered text")
			}
		})
	}
}

func TestRenderLongAnswer(t *testing.T) {
	// 200,000 characters: more than one message of 50 blocks.
	ans := giantAnswer(bot.Request{ConversationID: "c"})
	ans.Text = strings.Repeat("根据第六条，首次认定为国家级专精特新小巨人企业的，给予一次性奖励50万元。\n", 5000)
	replies := renderAnswer(ans, testPublicURL, question{conv: "slack:C1:1", ts: "1"})
	if len(replies) < 2 {
		t.Fatalf("renderAnswer gave %d messages for %d characters, want several", len(replies), len([]rune(ans.Text)))
	}
	var sections strings.Builder
	for i, r := range replies {
		if len(r.Blocks) > maxBlocks {
			t.Errorf("message %d has %d blocks, limit %d", i, len(r.Blocks), maxBlocks)
		}
		if utf16Len(r.Text) > maxFallbackText {
			t.Errorf("message %d fallback text has %d characters", i, utf16Len(r.Text))
		}
		for _, b := range r.Blocks {
			if s, ok := b.(*slack.SectionBlock); ok {
				if utf16Len(s.Text.Text) > maxSectionText {
					t.Errorf("message %d has a section of %d characters, limit %d", i, utf16Len(s.Text.Text), maxSectionText)
				}
				sections.WriteString(s.Text.Text)
			}
		}
		_, isActions := r.Blocks[len(r.Blocks)-1].(*slack.ActionBlock)
		if last := i == len(replies)-1; isActions != last {
			t.Errorf("message %d ends with buttons: %v, want them only on the last", i, isActions)
		}
	}
	if got, want := sections.String(), strings.ReplaceAll(escape(ans.Text), "\n", ""); strings.ReplaceAll(got, "\n", "") != want {
		t.Errorf("the sections do not add up to the answer (%d vs %d characters)", len(got), len(want))
	}
}

func TestRenderRefusal(t *testing.T) {
	ans := bot.Answer{Text: "抱歉，现有政策文件中没有找到能回答这个问题的条款。", Refused: true}
	replies := renderAnswer(ans, testPublicURL, question{conv: "slack:C1:1", ts: "1"})
	if len(replies) != 1 {
		t.Fatalf("%d messages, want 1", len(replies))
	}
	var types []string
	for _, b := range replies[0].Blocks {
		types = append(types, string(b.BlockType()))
	}
	if got := strings.Join(types, ","); got != "section,actions" {
		t.Errorf("refusal blocks = %s, want section,actions (no citations, no notice)", got)
	}
}

func TestCitationWithoutPublicURL(t *testing.T) {
	blocks := citationBlocks([]convlog.Citation{{Doc: "wz-mfg-2025", Article: 6, Label: "第六条", Title: "A|B<C>"}}, "")
	text := blocks[0].(*slack.ContextBlock).ContextElements.Elements[0].(*slack.TextBlockObject).Text
	if strings.Contains(text, "<") || !strings.Contains(text, "《A|B&lt;C&gt;》第六条") {
		t.Errorf("citation without a public URL = %q, want escaped text without a link", text)
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<@UBOT> 小巨人奖励多少？", "小巨人奖励多少？"},
		{"<@UBOT|policybot>  研发费用 &amp; 加计扣除 &lt;2025&gt;", "研发费用 & 加计扣除 <2025>"},
		{"见 <https://example.cn/a|这个文件> 第六条", "见 这个文件 第六条"},
		{"<!here> 小巨人", "小巨人"},
		{"<@UBOT>", ""},
	}
	for _, tc := range tests {
		if got := cleanText(tc.in); got != tc.want {
			t.Errorf("cleanText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMemoryDeduper(t *testing.T) {
	d := NewMemoryDeduper(time.Hour)
	now := time.Unix(1700000000, 0)
	d.now = func() time.Time { return now }
	ctx := context.Background()
	for _, step := range []struct {
		id    string
		after time.Duration
		want  bool
	}{
		{"Ev1", 0, true},
		{"Ev1", time.Minute, false},
		{"Ev2", 0, true},
		{"Ev1", 2 * time.Hour, true}, // forgotten after the ttl
		{"", 0, true},
		{"", 0, true},
	} {
		now = now.Add(step.after)
		if got, err := d.FirstSeen(ctx, step.id); got != step.want || err != nil {
			t.Errorf("FirstSeen(%q) after %s = %v, %v; want %v", step.id, step.after, got, err, step.want)
		}
	}
	if n := len(d.seen); n != 1 {
		t.Errorf("%d ids kept after the sweep, want 1", n)
	}
}

func TestTurnOf(t *testing.T) {
	m := answerMessage("1700000000.000200", "1700000000.000100", "slack:C1:1700000000.000100", "小巨人？", "小巨人奖励")
	got, ok := turnOf(m)
	want := convlog.Turn{Question: "小巨人？", Resolved: "小巨人奖励", Doc: "wz-mfg-2025", Article: 6, At: time.Unix(1700000000, 200000).UTC()}
	if !ok || got != want {
		t.Errorf("turnOf = %+v, %v; want %+v", got, ok, want)
	}
	if _, ok := turnOf(humanMessage("1", "", "hi")); ok {
		t.Error("turnOf(a person's message) ok, want not")
	}
}

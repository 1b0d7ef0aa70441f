package corpus

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"policybot/bot/convlog"
)

func TestGroupQuestions(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	q := func(min int, text string, refused, down bool, comment string) convlog.Question {
		return convlog.Question{MessageID: text, Text: text, At: t0.Add(time.Duration(min) * time.Minute), Refused: refused, Down: down, Comment: comment}
	}
	qs := []convlog.Question{
		q(1, "人才公寓怎么申请？", true, false, ""),
		q(2, "人才公寓如何申请", true, false, ""),
		q(3, "人才公寓怎么申请", false, true, "没说去哪里申请"),
		q(4, "天气怎么样", true, false, ""),
		q(5, "人才公寓申请条件", true, false, ""),
		q(6, "人才公寓怎么申请？", true, true, ""),
		q(7, "ＡＢＣ展会补贴", true, false, ""),
		q(8, "abc展会补贴", true, false, ""),
		q(9, "？？？", true, false, ""),
	}
	got := GroupQuestions(qs)
	var summary []string
	for _, g := range got {
		summary = append(summary, g.Question+"×"+strconv.Itoa(g.Count))
	}
	want := []string{"人才公寓怎么申请？×5", "abc展会补贴×2", "天气怎么样×1"}
	if strings.Join(summary, " | ") != strings.Join(want, " | ") {
		t.Fatalf("GroupQuestions() = %v, want %v", summary, want)
	}
	g := got[0]
	if g.Refused != 4 || g.Down != 2 || !g.First.Equal(t0.Add(time.Minute)) || !g.Last.Equal(t0.Add(6*time.Minute)) {
		t.Errorf("group %q: refused %d, down %d, first %v, last %v; want 4, 2, +1m, +6m", g.Question, g.Refused, g.Down, g.First, g.Last)
	}
	if len(g.Examples) != 4 || g.Examples[0] != "人才公寓怎么申请？" {
		t.Errorf("group examples = %q, want 4 wordings, the most asked first", g.Examples)
	}
	if len(g.Comments) != 1 || g.Comments[0] != "没说去哪里申请" {
		t.Errorf("group comments = %q, want the one 👎 comment", g.Comments)
	}
	if again := GroupQuestions(qs); len(again) != len(got) || again[0].Question != got[0].Question || again[1].Question != got[1].Question {
		t.Error("GroupQuestions is not deterministic")
	}
	if len(GroupQuestions(nil)) != 0 {
		t.Error("GroupQuestions(nil) is not empty")
	}
}

func TestJaccard(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"人才公寓怎么申请", "人才公寓怎么申请", 1},
		{"人才公寓", "公寓人才", 2.0 / 4},
		{"人才公寓怎么申请？", "人才公寓如何申请", 1},
		{"abc", "xyz", 0},
		{"a", "a", 1},
	}
	for _, tc := range tests {
		if got := jaccard(bigrams(normalizeQuestion(tc.a)), bigrams(normalizeQuestion(tc.b))); got != tc.want {
			t.Errorf("jaccard(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

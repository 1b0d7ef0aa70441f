package convlog

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"policybot/policies/fault"
)

func TestMemory(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(2)
	for i := range MaxTurnsKept + 3 {
		if err := m.Append(ctx, "a", Turn{Question: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := m.Recent(ctx, "a", 100)
	if len(got) != MaxTurnsKept || got[0].Question != "3" || got[len(got)-1].Question != fmt.Sprint(MaxTurnsKept+2) {
		t.Errorf("Recent(a) = %d turns from %q, want the last %d", len(got), got[0].Question, MaxTurnsKept)
	}
	if got, _ := m.Recent(ctx, "a", 2); len(got) != 2 || got[1].Question != fmt.Sprint(MaxTurnsKept+2) {
		t.Errorf("Recent(a, 2) = %+v, want the last two", got)
	}
	m.Append(ctx, "b", Turn{Question: "b"})
	m.Recent(ctx, "a", 1) // reading does not make a conversation recent
	m.Append(ctx, "a", Turn{Question: "again"})
	m.Append(ctx, "c", Turn{Question: "c"}) // over capacity: b is the least recently used
	if got, _ := m.Recent(ctx, "b", 5); got != nil {
		t.Errorf("Recent(b) = %+v after c pushed it out, want none", got)
	}
	if got, _ := m.Recent(ctx, "a", 1); len(got) != 1 || got[0].Question != "again" {
		t.Errorf("Recent(a) = %+v, want it kept", got)
	}
}

func TestCheckConversationID(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"c1", true}, {"web-2026.05_01", true}, {strings.Repeat("a", 128), true},
		{"", false}, {".", false}, {"..", false}, {"a/b", false}, {"slack:C1", false}, {strings.Repeat("a", 129), false}, {"会话", false},
	} {
		err := CheckConversationID(tc.id)
		if (err == nil) != tc.ok || (err != nil && fault.CodeOf(err) != CodeBadConversation) {
			t.Errorf("CheckConversationID(%q) = %v, want ok %v", tc.id, err, tc.ok)
		}
	}
}

func TestFeedbackCheck(t *testing.T) {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		f    Feedback
		kind fault.Kind
		code string
	}{
		{"up", Feedback{MessageID: "m1", Rating: RatingUp, CreatedAt: at}, "", ""},
		{"down with comment", Feedback{MessageID: "m1", Rating: RatingDown, Comment: "  金额不对 \n"}, "", ""},
		{"longest comment", Feedback{MessageID: "m1", Rating: RatingDown, Comment: strings.Repeat("长", MaxCommentRunes)}, "", ""},
		{"no message", Feedback{Rating: RatingUp}, fault.Invalid, CodeNoMessageID},
		{"bad rating", Feedback{MessageID: "m1", Rating: "meh"}, fault.Invalid, CodeBadRating},
		{"comment too long", Feedback{MessageID: "m1", Rating: RatingDown, Comment: strings.Repeat("长", MaxCommentRunes+1)}, fault.TooLarge, CodeCommentTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.f.Check()
			fe := fault.As(err)
			switch {
			case tc.kind == "" && err != nil:
				t.Fatalf("Check() = %v, want nil", err)
			case tc.kind != "" && (fe == nil || fe.Kind != tc.kind || fe.Code != tc.code || fe.Msg.En == "" || fe.Msg.Zh == ""):
				t.Fatalf("Check() = %v, want a %s refusal %q with its message", err, tc.kind, tc.code)
			}
			if err == nil && (got.Comment != strings.TrimSpace(tc.f.Comment) || got.MessageID != tc.f.MessageID || !got.CreatedAt.Equal(tc.f.CreatedAt)) {
				t.Errorf("Check() = %+v, want %+v with its comment trimmed", got, tc.f)
			}
		})
	}
	if err := NoSuchMessage("m9"); fault.KindOf(err) != fault.NotFound || fault.CodeOf(err) != CodeNoSuchMessage {
		t.Errorf("NoSuchMessage = %v, want a not-found refusal %q", err, CodeNoSuchMessage)
	}
}

// Package storetest is the test suite every convlog.Store implementation
// passes: SQLite and PostgreSQL. Each implementation's tests call
// Run with a function that opens an empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"policybot/bot/convlog"
	"policybot/policies/fault"
)

// Run runs the suite; open returns a new, empty store and arranges its
// closing with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) convlog.Store) {
	t.Run("RecentUnknown", func(t *testing.T) { testRecentUnknown(t, open(t)) })
	t.Run("AppendRecent", func(t *testing.T) { testAppendRecent(t, open(t)) })
	t.Run("ConversationsApart", func(t *testing.T) { testConversationsApart(t, open(t)) })
	t.Run("MessageRoundTrip", func(t *testing.T) { testMessageRoundTrip(t, open(t)) })
	t.Run("MessageUnknown", func(t *testing.T) { testMessageUnknown(t, open(t)) })
	t.Run("MessageDuplicate", func(t *testing.T) { testMessageDuplicate(t, open(t)) })
	t.Run("Feedback", func(t *testing.T) { testFeedback(t, open(t)) })
	t.Run("FeedbackUnknownMessage", func(t *testing.T) { testFeedbackUnknown(t, open(t)) })
	t.Run("FeedbackBadRating", func(t *testing.T) { testFeedbackBadRating(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("ConcurrentFailures", func(t *testing.T) { testConcurrentFailures(t, open(t)) })
}

// t0 is the suite's clock: every time a test stores is t0 plus some seconds.
var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func testRecentUnknown(t *testing.T, s convlog.Store) {
	got, err := s.Recent(context.Background(), "nobody", 4)
	if err != nil || len(got) != 0 {
		t.Errorf("Recent(unknown) = %v, %v; want no turns and no error", got, err)
	}
}

func testAppendRecent(t *testing.T, s convlog.Store) {
	ctx := context.Background()
	var want []convlog.Turn
	for i := range 6 {
		turn := convlog.Turn{
			Question: fmt.Sprintf("问题%d", i), Resolved: fmt.Sprintf("问题%d 已解析", i),
			Doc: "wz-mfg-2025", Article: i + 1, Refused: i%2 == 1, At: at(i),
		}
		if i == 3 {
			turn.Doc, turn.Article = "", 0
		}
		if err := s.Append(ctx, "c1", turn); err != nil {
			t.Fatalf("Append(%d): %v", i, err)
		}
		want = append(want, turn)
	}
	for _, n := range []int{1, 4, 6, 10} {
		got, err := s.Recent(ctx, "c1", n)
		if err != nil {
			t.Fatalf("Recent(c1, %d): %v", n, err)
		}
		w := want[max(0, len(want)-n):]
		if !equalTurns(got, w) {
			t.Errorf("Recent(c1, %d) =\n%v\nwant (oldest first)\n%v", n, got, w)
		}
	}
	if got, err := s.Recent(ctx, "c1", 0); err != nil || len(got) != 0 {
		t.Errorf("Recent(c1, 0) = %v, %v; want none", got, err)
	}
}

func testConversationsApart(t *testing.T, s convlog.Store) {
	ctx := context.Background()
	mustAppend(t, s, "a", convlog.Turn{Question: "甲", Resolved: "甲", At: at(1)})
	mustAppend(t, s, "b", convlog.Turn{Question: "乙", Resolved: "乙", At: at(2)})
	mustAppend(t, s, "a", convlog.Turn{Question: "丙", Resolved: "丙", At: at(3)})
	got, err := s.Recent(ctx, "a", 10)
	if err != nil {
		t.Fatal(err)
	}
	var qs []string
	for _, turn := range got {
		qs = append(qs, turn.Question)
	}
	if !slices.Equal(qs, []string{"甲", "丙"}) {
		t.Errorf("Recent(a) questions = %q, want [甲 丙]", qs)
	}
}

func sampleMessage(id, conv string) convlog.Message {
	return convlog.Message{
		ID: id, ConversationID: conv, Channel: convlog.ChannelChat,
		Question: "国家级专精特新小巨人奖励多少？",
		Answer:   "根据《关于促进吴中区制造业高质量发展的若干政策措施（示例文本）》第6条：……",
		Notice:   "提示：所引文件为示例文本。",
		Citations: []convlog.Citation{
			{Doc: "wz-mfg-2025", Article: 6, Label: "第6条", Title: "制造业政策", Department: "区工信局", Quote: "奖励50万元", Sample: true},
			{Doc: "wz-com-2025", Article: 5, Label: "第5条", Title: "商务政策", Department: "区商务局", Quote: "补贴50%"},
		},
		Generated: true, Latency: 1500 * time.Microsecond, CreatedAt: at(10),
	}
}

func testMessageRoundTrip(t *testing.T, s convlog.Store) {
	ctx := context.Background()
	want := sampleMessage("m1", "c1")
	if err := s.SaveMessage(ctx, want); err != nil {
		t.Fatalf("SaveMessage: %v", err)
	}
	refused := convlog.Message{ID: "m2", ConversationID: "c1", Channel: convlog.ChannelOpenAI, Question: "天气", Answer: "抱歉", Refused: true, Replaced: true, CreatedAt: at(11)}
	if err := s.SaveMessage(ctx, refused); err != nil {
		t.Fatalf("SaveMessage(refused): %v", err)
	}
	for _, w := range []convlog.Message{want, refused} {
		got, err := s.Message(ctx, w.ID)
		if err != nil {
			t.Fatalf("Message(%s): %v", w.ID, err)
		}
		if !equalMessages(got, w) {
			t.Errorf("Message(%s) =\n%+v\nwant\n%+v", w.ID, got, w)
		}
	}
	// The conversation a message creates is one the bot can continue.
	mustAppend(t, s, "c1", convlog.Turn{Question: "那省级的呢", Resolved: "省级专精特新 奖励", At: at(12)})
}

func testMessageUnknown(t *testing.T, s convlog.Store) {
	_, err := s.Message(context.Background(), "nope")
	if !errors.Is(err, fault.NotFound) {
		t.Errorf("Message(unknown) error = %v, want ErrNotFound", err)
	}
}

func testMessageDuplicate(t *testing.T, s convlog.Store) {
	ctx := context.Background()
	m := sampleMessage("m1", "c1")
	if err := s.SaveMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveMessage(ctx, m); err == nil {
		t.Error("SaveMessage(same id twice) = nil, want an error")
	}
	got, err := s.Message(ctx, "m1")
	if err != nil || !equalMessages(got, m) {
		t.Errorf("after a failed duplicate, Message(m1) = %+v, %v; want the first one", got, err)
	}
}

func testFeedback(t *testing.T, s convlog.Store) {
	ctx := context.Background()
	if err := s.SaveMessage(ctx, sampleMessage("m1", "c1")); err != nil {
		t.Fatal(err)
	}
	steps := []convlog.Feedback{
		{MessageID: "m1", Rating: convlog.RatingUp, CreatedAt: at(20)},
		{MessageID: "m1", Rating: convlog.RatingDown, Comment: "金额不对，应该是五十万", CreatedAt: at(21)},
	}
	for _, f := range steps {
		if err := s.SaveFeedback(ctx, f); err != nil {
			t.Fatalf("SaveFeedback(%+v): %v", f, err)
		}
		got, err := s.Message(ctx, "m1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Feedback == nil || got.Feedback.Rating != f.Rating || got.Feedback.Comment != f.Comment || !got.Feedback.CreatedAt.Equal(f.CreatedAt) {
			t.Errorf("after SaveFeedback(%+v), Message.Feedback = %+v", f, got.Feedback)
		}
	}
}

func testFeedbackUnknown(t *testing.T, s convlog.Store) {
	err := s.SaveFeedback(context.Background(), convlog.Feedback{MessageID: "nope", Rating: convlog.RatingUp, CreatedAt: at(1)})
	if !errors.Is(err, fault.NotFound) {
		t.Errorf("SaveFeedback(unknown message) error = %v, want ErrNotFound", err)
	}
}

func testFeedbackBadRating(t *testing.T, s convlog.Store) {
	ctx := context.Background()
	if err := s.SaveMessage(ctx, sampleMessage("m1", "c1")); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveFeedback(ctx, convlog.Feedback{MessageID: "m1", Rating: "meh", CreatedAt: at(1)}); err == nil {
		t.Error(`SaveFeedback(rating "meh") = nil, want an error`)
	}
}

// testConcurrent writes from many goroutines at once, as the server does.
func testConcurrent(t *testing.T, s convlog.Store) {
	ctx := context.Background()
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*2)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conv := fmt.Sprintf("conv-%d", w)
			for i := range each {
				if err := s.Append(ctx, conv, convlog.Turn{Question: "q", Resolved: "q", At: at(i)}); err != nil {
					errs <- err
				}
				if _, err := s.Recent(ctx, conv, 4); err != nil {
					errs <- err
				}
				if err := s.SaveMessage(ctx, sampleMessage(fmt.Sprintf("m-%d-%d", w, i), conv)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for w := range workers {
		got, err := s.Recent(ctx, fmt.Sprintf("conv-%d", w), 100)
		if err != nil || len(got) != each {
			t.Errorf("Recent(conv-%d) = %d turns, %v; want %d", w, len(got), err, each)
		}
	}
}

// testConcurrentFailures mixes failing writes (duplicate ids) with good
// ones: a store that commits writes together must undo only the failing ones.
func testConcurrentFailures(t *testing.T, s convlog.Store) {
	ctx := context.Background()
	const n = 40
	for i := 0; i < n; i += 2 {
		if err := s.SaveMessage(ctx, sampleMessage(fmt.Sprintf("m-%d", i), "c")); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := sampleMessage(fmt.Sprintf("m-%d", i), "c")
			m.Answer = "second"
			errs[i] = s.SaveMessage(ctx, m)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		dup := i%2 == 0
		if dup != (err != nil) {
			t.Errorf("SaveMessage(m-%d) = %v; want an error only for ids saved before", i, err)
		}
		m, gerr := s.Message(ctx, fmt.Sprintf("m-%d", i))
		if gerr != nil {
			t.Errorf("Message(m-%d): %v", i, gerr)
			continue
		}
		if want := map[bool]string{true: sampleMessage("", "").Answer, false: "second"}[dup]; m.Answer != want || len(m.Citations) != 2 {
			t.Errorf("Message(m-%d) = answer %q with %d citations, want %q with 2", i, m.Answer, len(m.Citations), want)
		}
	}
}

func mustAppend(t *testing.T, s convlog.Store, conv string, turn convlog.Turn) {
	t.Helper()
	if err := s.Append(context.Background(), conv, turn); err != nil {
		t.Fatalf("Append(%s): %v", conv, err)
	}
}

func equalTurns(a, b []convlog.Turn) bool {
	return slices.EqualFunc(a, b, func(x, y convlog.Turn) bool {
		return x.Question == y.Question && x.Resolved == y.Resolved && x.Doc == y.Doc &&
			x.Article == y.Article && x.Refused == y.Refused && x.At.Equal(y.At)
	})
}

func equalMessages(a, b convlog.Message) bool {
	return a.ID == b.ID && a.ConversationID == b.ConversationID && a.Channel == b.Channel &&
		a.Question == b.Question && a.Answer == b.Answer && a.Refused == b.Refused &&
		a.Notice == b.Notice && a.Generated == b.Generated && a.Replaced == b.Replaced &&
		a.Latency == b.Latency && a.CreatedAt.Equal(b.CreatedAt) &&
		slices.Equal(a.Citations, b.Citations) && (a.Feedback == nil) == (b.Feedback == nil)
}

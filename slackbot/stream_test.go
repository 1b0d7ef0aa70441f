package slackbot

import (
	"context"
	"strings"
	"testing"
	"time"

	"policybot/bot"
)

// streamAsker streams through fn.
type streamAsker struct {
	fakeAsker
	stream func(ctx context.Context, req bot.Request, onDelta func(string)) (bot.Answer, error)
}

func (a *streamAsker) AskStream(ctx context.Context, req bot.Request, onDelta func(string)) (bot.Answer, error) {
	return a.stream(ctx, req, onDelta)
}

// TestStreamedAnswerUpdatesThePlaceholder: the placeholder shows the
// checked sentences as the bot releases them; when one fails, the final
// message keeps what was shown, then the line saying why and the offline
// answer — nothing is swapped silently.
func TestStreamedAnswerUpdatesThePlaceholder(t *testing.T) {
	const first = "首次认定为国家级专精特新“小巨人”企业的，区里奖励50万元[1]。"
	var fake *fakeSlack
	a := &streamAsker{stream: func(ctx context.Context, req bot.Request, onDelta func(string)) (bot.Answer, error) {
		onDelta(first)
		// The update with the first sentence goes out while the model is
		// still writing.
		for !strings.Contains(texts(lastUpdate(t, fake)), "区里奖励50万元") {
			if ctx.Err() != nil {
				return bot.Answer{}, ctx.Err()
			}
			time.Sleep(time.Millisecond)
		}
		ans := giantAnswer(req)
		onDelta("\n\n" + bot.GeneratorRejectedNotice + "\n\n")
		onDelta(ans.Text)
		ans.Replaced, ans.Fallback = true, true
		return ans, nil
	}}
	e := newTestEnv(t, a)
	fake = e.fake
	e.svc.cfg.StreamInterval = time.Millisecond
	e.postEvent(t, "EvStream1", mention("C1", "1700000000.000100", "", "首次被认定为国家级专精特新小巨人企业奖励多少？"), nil)
	ups := e.fake.waitFor(t, "chat.update", 2)
	for !strings.Contains(ups[len(ups)-1].blocks(), feedbackBlockID) {
		time.Sleep(time.Millisecond)
		ups = e.fake.callsTo("chat.update")
	}
	if got := texts(ups[0].decodedBlocks(t)); !strings.Contains(got, "区里奖励50万元") || !strings.HasSuffix(strings.TrimSpace(ups[0].Form.Get("text")), "…") || strings.Contains(got, "责任部门") {
		t.Errorf("first update = %q, want the first checked sentence, marked as still coming", got)
	}
	final := texts(ups[len(ups)-1].decodedBlocks(t))
	i, j, k := strings.Index(final, "区里奖励50万元"), strings.Index(final, bot.GeneratorRejectedNotice), strings.Index(final, "责任部门：区工信局")
	if i < 0 || j < i || k < j {
		t.Errorf("final message = %q, want the streamed sentence, the reason, then the offline answer", final)
	}
}

// lastUpdate is the newest chat.update the fake received, or none.
func lastUpdate(tb testing.TB, f *fakeSlack) []map[string]any {
	if f == nil {
		return nil
	}
	ups := f.callsTo("chat.update")
	if len(ups) == 0 {
		return nil
	}
	return ups[len(ups)-1].decodedBlocks(tb)
}

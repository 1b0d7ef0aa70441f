package slackbot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"policybot/bot"
	"policybot/bot/convlog"
)

// How a thread's history reaches the bot.
//
// The conversation id of a thread is "slack:<channel>:<thread_ts>" (a DM
// outside threads is "slack:<channel>"), so the bot's own conversation
// store resolves follow-ups while it remembers the thread. When it does not
// (a restart with the in-memory store, another replica), the thread itself
// is the record: every answer the bot posts carries Slack message metadata
// of type answerEventType with the question, the query it was resolved to,
// whether it was refused and the cited article. Before asking, the adapter
// reads the thread (conversations.replies, or conversations.history in a
// DM) and appends those turns to the store (Config.Conversations), oldest
// first, so the bot's follow-up resolution works exactly as if it had
// answered them itself. Only the bot's answers are read back, not the
// people's chatter in between.

// answerEventType is the metadata event type of the bot's answers.
const answerEventType = "policybot_answer"

// restoreTurns is how many turns are restored; the bot reads fewer.
const restoreTurns = 4

// answerMetadata is what an answer message records about its turn.
func answerMetadata(conv, question string, ans bot.Answer) slack.SlackMetadata {
	p := map[string]any{
		"conversation": conv,
		"question":     question,
		"resolved":     ans.Topic,
		"refused":      ans.Refused,
	}
	if len(ans.Citations) > 0 {
		p["doc"], p["article"] = ans.Citations[0].Doc, ans.Citations[0].Article
	}
	return slack.SlackMetadata{EventType: answerEventType, EventPayload: p}
}

// turnOf reads a turn back from an answer message; ok is false for any
// other message.
func turnOf(m slack.Message) (convlog.Turn, bool) {
	if m.Metadata.EventType != answerEventType {
		return convlog.Turn{}, false
	}
	p := m.Metadata.EventPayload
	str := func(k string) string { s, _ := p[k].(string); return s }
	t := convlog.Turn{Question: str("question"), Resolved: str("resolved"), Doc: str("doc")}
	_, recorded := p["resolved"]
	t.Refused, _ = p["refused"].(bool)
	switch a := p["article"].(type) { // a number read back from JSON, or as set
	case float64:
		t.Article = int(a)
	case int:
		t.Article = a
	}
	if !recorded {
		// Answers posted before topics were recorded carry only the question.
		t.Resolved = t.Question
	}
	if t.Resolved == "" {
		return convlog.Turn{}, false // a turn that carries no topic (a refusal, a greeting)
	}
	t.At, _ = tsTime(m.Timestamp)
	return t, true
}

// turnsBefore are the turns recorded in msgs (oldest first) before ts, at
// most restoreTurns of them.
func turnsBefore(msgs []slack.Message, ts string) []convlog.Turn {
	var turns []convlog.Turn
	for _, m := range msgs {
		if !tsLess(m.Timestamp, ts) {
			continue
		}
		if t, ok := turnOf(m); ok {
			turns = append(turns, t)
		}
	}
	if len(turns) > restoreTurns {
		turns = turns[len(turns)-restoreTurns:]
	}
	return turns
}

// restoreHistory gives the bot the turns of q's thread it does not
// remember. thread is the thread when the caller has read it already.
func (s *Service) restoreHistory(ctx context.Context, q question, thread []slack.Message) error {
	store := s.cfg.Conversations
	if store == nil || q.newThread() {
		return nil
	}
	known, err := store.Recent(ctx, q.conv, 1)
	if err != nil {
		return fmt.Errorf("recent turns of %s: %w", q.conv, err)
	}
	if len(known) > 0 {
		return nil
	}
	if thread == nil {
		if q.threadTS != "" {
			thread, err = s.replies(ctx, q.channel, q.threadTS)
		} else {
			thread, err = s.history(ctx, q.channel, q.ts)
		}
		if err != nil {
			return err
		}
	}
	turns := turnsBefore(thread, q.ts)
	for _, t := range turns {
		if err := store.Append(ctx, q.conv, t); err != nil {
			return fmt.Errorf("restore turn of %s: %w", q.conv, err)
		}
	}
	if len(turns) > 0 {
		s.log.Debug("conversation restored from Slack", "conversation", q.conv, "turns", len(turns))
	}
	return nil
}

// answeredBy reports whether the bot posted in the thread.
func answeredBy(thread []slack.Message, id identity) bool {
	for _, m := range thread {
		if m.Metadata.EventType == answerEventType ||
			id.UserID != "" && m.User == id.UserID || id.BotID != "" && m.BotID == id.BotID {
			return true
		}
	}
	return false
}

// tsTime reads a Slack timestamp ("1712345678.000100").
func tsTime(ts string) (time.Time, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	var us int64
	if frac != "" {
		frac = (frac + "000000")[:6]
		if us, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, false
		}
	}
	return time.Unix(s, us*1000).UTC(), true
}

// tsLess orders Slack timestamps; unreadable ones sort first.
func tsLess(a, b string) bool {
	ta, _ := tsTime(a)
	tb, _ := tsTime(b)
	return ta.Before(tb)
}

package slackbot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/policies/fault"
)

// apologyTimeout bounds posting the apology, which may happen after the
// answer's own deadline passed.
const apologyTimeout = 10 * time.Second

// answer answers one message in its thread (or DM): a placeholder at once,
// replaced by the answer, or by an apology — never silence once the bot
// has decided the message is for it.
func (s *Service) answer(ctx context.Context, q question) {
	log := s.log.With("channel", q.channel, "ts", q.ts, "conversation", q.conv)
	var thread []slack.Message
	if q.followUp {
		id, err := s.identity(ctx)
		if err != nil {
			log.Error("cannot tell whether a thread reply is for the bot", "err", err)
			return
		}
		if mentions(q.rawText, id.UserID) {
			return // the app_mention event of the same message answers it
		}
		if mentionRE.MatchString(q.rawText) {
			return // addressed to someone else in the thread
		}
		if thread, err = s.replies(ctx, q.channel, q.threadTS); err != nil {
			log.Error("cannot read the thread of a reply", "err", err)
			return
		}
		if !answeredBy(thread, id) {
			return // people talking in a thread the bot is not part of
		}
		if q.text == "" {
			return // a file or an emoji, not a question
		}
	}

	placeholder, err := s.post(ctx, q.channel, q.threadTS,
		slack.MsgOptionText(placeholderText, false))
	if err != nil {
		log.Warn("placeholder not posted", "err", err)
	}
	fail := func(err error) {
		if fault.KindOf(err) != "" {
			log.Info("question not asked", "err", err)
		} else {
			log.Error("answer failed", "err", err)
		}
		s.apologize(ctx, log, q, placeholder, userMessage(err))
	}
	defer func() {
		if r := recover(); r != nil {
			fail(fmt.Errorf("panic: %v", r))
		}
	}()

	if _, err := bot.CheckMessage(q.text); err != nil {
		fail(err)
		return
	}
	if err := s.restoreHistory(ctx, q, thread); err != nil {
		log.Warn("thread history not restored", "err", err)
	}
	ans, err := s.ask(ctx, bot.Request{ConversationID: q.conv, Message: q.text}, q.messageID(), q.channel, placeholder)
	if err != nil {
		fail(err)
		return
	}
	replies := renderAnswer(ans, s.cfg.PublicURL, q)
	meta := slack.MsgOptionMetadata(answerMetadata(q.conv, q.text, ans))
	for i, r := range replies {
		opts := []slack.MsgOption{slack.MsgOptionText(r.Text, false), slack.MsgOptionBlocks(r.Blocks...)}
		if i == 0 {
			opts = append(opts, meta)
			if placeholder != "" {
				if err = s.update(ctx, q.channel, placeholder, opts...); err == nil {
					continue
				}
				log.Warn("placeholder not updated; posting the answer", "err", err)
			}
		}
		if _, err = s.post(ctx, q.channel, q.threadTS, opts...); err != nil {
			fail(err)
			return
		}
	}
	log.Info("answered", "refused", ans.Refused, "citations", len(ans.Citations))
}

// ask calls the bot once a slot is free, and records the answer in the
// message log under messageID (the id its feedback buttons carry). When the bot streams (StreamAsker)
// and there is a placeholder, the placeholder is updated with the text as
// the bot releases it — checked sentences only — at most once per
// Config.StreamInterval.
func (s *Service) ask(ctx context.Context, req bot.Request, messageID, channel, placeholder string) (bot.Answer, error) {
	if err := s.acquire(ctx); err != nil {
		return bot.Answer{}, err
	}
	defer s.release()
	var ans bot.Answer
	var err error
	if sa, ok := s.asker.(StreamAsker); ok && placeholder != "" {
		u := s.newUpdater(ctx, channel, placeholder)
		ans, err = sa.AskStream(ctx, req, u.add)
		streamed := u.close()
		if err == nil && ans.Replaced {
			// The checked sentences, the line saying why they stopped and
			// the offline answer were all shown: keep them, not only the
			// offline answer.
			ans.Text = strings.TrimSpace(streamed)
		}
	} else {
		ans, err = s.asker.Ask(ctx, req)
	}
	if err != nil {
		return bot.Answer{}, fmt.Errorf("ask: %w", err)
	}
	if err := s.msgs.SaveMessage(ctx, ans.Message(messageID, convlog.ChannelSlack, req.Message, 0, s.cfg.Now())); err != nil {
		s.log.Warn("slack answer not stored", "message", messageID, "err", err)
	}
	return ans, nil
}

// apologize replaces the placeholder with text, or posts it.
func (s *Service) apologize(ctx context.Context, log *slog.Logger, q question, placeholder, text string) {
	// The answer's context may be what ran out.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), apologyTimeout)
	defer cancel()
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionBlocks(textBlocks(text)...)}
	if placeholder != "" {
		if err := s.update(ctx, q.channel, placeholder, opts...); err == nil {
			return
		}
	}
	if _, err := s.post(ctx, q.channel, q.threadTS, opts...); err != nil {
		log.Error("apology not posted", "err", err)
	}
}

// updater shows a streamed answer in the placeholder as it grows. Slack's
// chat.update is rate limited (about one a second per channel), so updates
// go out from their own goroutine, one Config.StreamInterval after new text
// arrived, each with all the text so far; the bot is never made to wait
// for Slack.
type updater struct {
	mu      sync.Mutex
	text    strings.Builder
	changed chan struct{}
	done    chan struct{}
	stopped chan struct{}
}

func (s *Service) newUpdater(ctx context.Context, channel, ts string) *updater {
	u := &updater{changed: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(u.stopped)
		shown := ""
		for {
			select {
			case <-u.changed:
			case <-u.done:
				return
			}
			// Wait an interval first: an answer that is complete by then
			// (any offline one) goes out once, as the final message.
			select {
			case <-time.After(s.cfg.StreamInterval):
			case <-u.done:
				return
			}
			text := u.snapshot()
			if text == shown {
				continue
			}
			shown = text
			body := escape(text) + " …"
			if err := s.update(ctx, channel, ts, slack.MsgOptionText(body, false), slack.MsgOptionBlocks(textBlocks(body)...)); err != nil {
				s.log.Warn("streamed update not posted", "err", err)
			}
		}
	}()
	return u
}

// add is the bot's onDelta.
func (u *updater) add(delta string) {
	u.mu.Lock()
	u.text.WriteString(delta)
	u.mu.Unlock()
	select {
	case u.changed <- struct{}{}:
	default:
	}
}

func (u *updater) snapshot() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return strings.TrimSpace(u.text.String())
}

// close stops the updates (the final answer follows) and returns the text
// streamed.
func (u *updater) close() string {
	close(u.done)
	<-u.stopped
	return u.snapshot()
}

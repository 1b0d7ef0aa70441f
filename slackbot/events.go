package slackbot

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// envelope is the outer Events API payload, the same over HTTP and Socket
// Mode.
type envelope struct {
	Type      string          `json:"type"`
	Challenge string          `json:"challenge"`
	EventID   string          `json:"event_id"`
	Event     json.RawMessage `json:"event"`
}

// event holds the fields of app_mention and message events the bot uses.
type event struct {
	Type        string `json:"type"`
	SubType     string `json:"subtype"`
	User        string `json:"user"`
	BotID       string `json:"bot_id"`
	Text        string `json:"text"`
	TS          string `json:"ts"`
	ThreadTS    string `json:"thread_ts"`
	Channel     string `json:"channel"`
	ChannelType string `json:"channel_type"`
}

// question is one message to answer.
type question struct {
	channel string
	// threadTS is the thread to answer in; "" answers at the top level
	// (a DM outside threads).
	threadTS string
	ts       string // the question's own message
	user     string
	text     string // as the user typed it, mentions removed
	conv     string // the bot's conversation id
	// followUp marks a thread reply in a channel: answered only in a
	// thread the bot answered before, and only if it mentions nobody (a
	// mention of the bot is answered by its app_mention event; one of
	// someone else is not for the bot).
	followUp bool
	rawText  string
	// command marks a slash command's question (and a choice clicked under
	// its answer): answered through the response URL, visible to the
	// asker only.
	command bool
	// chosen is the label of the choice button that asked the question.
	chosen string
}

// newThread reports whether the question starts its thread, so there is
// no history to read.
func (q question) newThread() bool { return q.threadTS == q.ts }

// messageID names the answer to q for feedback.
func (q question) messageID() string { return q.conv + "/" + q.ts }

// dedupTimeout bounds the duplicate check, which runs before the ack.
const dedupTimeout = time.Second

// handleEvent takes one Events API payload. It returns the challenge of a
// url_verification, and otherwise starts the answer in the background and
// returns at once.
func (s *Service) handleEvent(ctx context.Context, body []byte) (challenge string, err error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return "", fmt.Errorf("%w: events payload: %v", errBadRequest, err)
	}
	switch env.Type {
	case "url_verification":
		return env.Challenge, nil
	case "event_callback":
	default:
		return "", nil
	}
	var ev event
	if err := json.Unmarshal(env.Event, &ev); err != nil {
		return "", fmt.Errorf("%w: event: %v", errBadRequest, err)
	}
	q, ok := questionOf(ev)
	if !ok {
		return "", nil
	}
	if s.isClosed() {
		return "", errClosed // Slack retries; another replica answers
	}
	if env.EventID != "" {
		dctx, cancel := context.WithTimeout(ctx, dedupTimeout)
		first, err := s.dedup.FirstSeen(dctx, env.EventID)
		cancel()
		switch {
		case err != nil:
			s.log.Warn("duplicate check failed; answering anyway", "event_id", env.EventID, "err", err)
		case !first:
			s.log.Info("duplicate event ignored", "event_id", env.EventID)
			return "", nil
		}
	}
	return "", s.goWork("answer "+env.EventID, func(ctx context.Context) { s.answer(ctx, q) })
}

func (s *Service) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// questionOf decides whether an event asks the bot something.
func questionOf(ev event) (question, bool) {
	// Bots (the bot itself included), edits, deletions, joins: not
	// questions. A reply also sent to the channel is still a question.
	if ev.BotID != "" || ev.User == "" || ev.SubType != "" && ev.SubType != "thread_broadcast" {
		return question{}, false
	}
	q := question{channel: ev.Channel, ts: ev.TS, user: ev.User, rawText: ev.Text, text: cleanText(ev.Text)}
	switch {
	case ev.Type == "app_mention" && strings.HasPrefix(ev.Channel, "D"):
		return question{}, false // a DM: its message.im event answers it
	case ev.Type == "app_mention":
		q.threadTS = ev.ThreadTS
		if q.threadTS == "" {
			q.threadTS = ev.TS
		}
		q.conv = "slack:" + ev.Channel + ":" + q.threadTS
	case ev.Type == "message" && ev.ChannelType == "im":
		q.threadTS = ev.ThreadTS
		q.conv = "slack:" + ev.Channel
		if q.threadTS != "" {
			q.conv += ":" + q.threadTS
		}
	case ev.Type == "message" && ev.ThreadTS != "" && ev.ThreadTS != ev.TS:
		q.threadTS = ev.ThreadTS
		q.conv = "slack:" + ev.Channel + ":" + q.threadTS
		q.followUp = true
	default:
		return question{}, false
	}
	return q, true
}

var (
	mentionRE = regexp.MustCompile(`<@[A-Z0-9]+(\|[^>]*)?>`)
	// linkRE is a link or channel/group reference: <url|label>, <url>,
	// <#C123|name>, <!here>.
	linkRE = regexp.MustCompile(`<([^<>|]*)(\|([^<>]*))?>`)
)

// cleanText is the question as the user meant it: user mentions removed,
// links shown by their label, Slack's escaping undone.
func cleanText(s string) string {
	s = mentionRE.ReplaceAllString(s, " ")
	s = linkRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := linkRE.FindStringSubmatch(m)
		if sub[3] != "" {
			return sub[3]
		}
		if strings.HasPrefix(sub[1], "!") || strings.HasPrefix(sub[1], "#") {
			return ""
		}
		return sub[1]
	})
	return strings.TrimSpace(strings.Join(strings.Fields(unescape(s)), " "))
}

// mentions reports whether Slack text mentions the user.
func mentions(text, userID string) bool {
	return userID != "" && (strings.Contains(text, "<@"+userID+">") || strings.Contains(text, "<@"+userID+"|"))
}

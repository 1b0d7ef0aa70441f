package slackbot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/policies/fault"
)

// commandAck is the immediate reply to a slash command.
type commandAck struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

// handleCommand takes a slash command ("/policy 问题"): it returns the
// acknowledgement at once and answers in the background through the
// command's response_url, visible to the asker only. The conversation is
// the user's in that channel ("slack:<channel>:<user>"), so a later
// "/policy 那省级的呢？" is a follow-up.
//
// A command is answered once: Slack's signature stays valid for five
// minutes, so the same request sent again (a replay, or a proxy's retry)
// would be answered twice. Its trigger_id, unique to each invocation, goes
// through the same Deduper as event ids (shared by the replicas with
// PostgreSQL).
func (s *Service) handleCommand(ctx context.Context, cmd slack.SlashCommand) (commandAck, error) {
	text := cleanText(cmd.Text)
	if _, err := bot.CheckMessage(text); err != nil {
		return commandAck{ResponseType: slack.ResponseTypeEphemeral, Text: userMessage(err)}, nil
	}
	if cmd.ResponseURL == "" || cmd.ChannelID == "" || cmd.UserID == "" {
		return commandAck{}, fmt.Errorf("%w: slash command without response_url, channel or user", errBadRequest)
	}
	ack := commandAck{ResponseType: slack.ResponseTypeEphemeral, Text: placeholderText}
	if cmd.TriggerID != "" {
		dctx, cancel := context.WithTimeout(ctx, dedupTimeout)
		first, err := s.dedup.FirstSeen(dctx, "command:"+cmd.TriggerID)
		cancel()
		switch {
		case err != nil:
			s.log.Warn("duplicate check failed; answering the command anyway", "trigger_id", cmd.TriggerID, "err", err)
		case !first:
			s.log.Info("slash command seen before (a replay or a retry); not answered again", "trigger_id", cmd.TriggerID,
				"channel", cmd.ChannelID, "user", cmd.UserID)
			return ack, nil
		}
	}
	now := s.cfg.Now()
	q := question{
		channel: cmd.ChannelID, user: cmd.UserID, text: text, command: true,
		// No message of the user's exists; the time asked stands in for
		// its ts in the feedback message id.
		ts:   fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000),
		conv: "slack:" + cmd.ChannelID + ":" + cmd.UserID,
	}
	work := func(ctx context.Context) { s.answerCommand(ctx, q, cmd.ResponseURL, true) }
	if desc, ok := matchCommand(text); ok {
		// /policy match 企业情况: the match list (match.go).
		work = func(ctx context.Context) { s.answerMatch(ctx, q, desc, cmd.ResponseURL) }
	}
	if err := s.goWork("command", work); err != nil {
		return commandAck{}, err
	}
	return ack, nil
}

// answerCommand posts the answer to a slash command's question through its
// response URL, replacing the acknowledgement when replace is set.
func (s *Service) answerCommand(ctx context.Context, q question, responseURL string, replace bool) {
	log := s.log.With("channel", q.channel, "user", q.user, "conversation", q.conv)
	var replies []reply
	ans, err := s.ask(ctx, bot.Request{ConversationID: q.conv, Message: q.text}, q.messageID(), "", "")
	if err != nil {
		log.Error("answer failed", "err", err)
		text := userMessage(err)
		replies = []reply{{Text: text, Blocks: textBlocks(text)}}
		ctx2, cancel := context.WithTimeout(context.WithoutCancel(ctx), apologyTimeout)
		defer cancel()
		ctx = ctx2
	} else {
		replies = renderAnswer(ans, s.cfg.PublicURL, q)
	}
	for i, r := range replies {
		msg := &slack.WebhookMessage{
			ResponseType: slack.ResponseTypeEphemeral, Text: r.Text,
			Blocks: &slack.Blocks{BlockSet: r.Blocks}, ReplaceOriginal: replace && i == 0,
		}
		err := s.respond(ctx, responseURL, msg)
		if err != nil && msg.ReplaceOriginal {
			// Slack may refuse to replace the acknowledgement; a new
			// message still answers.
			log.Warn("acknowledgement not replaced; posting the answer", "err", err)
			msg.ReplaceOriginal = false
			err = s.respond(ctx, responseURL, msg)
		}
		if err != nil {
			log.Error("answer to a slash command not posted", "err", err)
			return
		}
	}
}

// handleInteraction takes a button click: 👍/👎 become feedback, and the
// user gets a short ephemeral thanks; a clarifying reply's choice asks its
// question in the same thread (or, under a slash command's answer, through
// the click's response URL).
func (s *Service) handleInteraction(cb slack.InteractionCallback) error {
	if cb.Type != slack.InteractionTypeBlockActions {
		return nil
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if strings.HasPrefix(a.ActionID, actionChoice) {
			return s.handleChoice(cb, a)
		}
		var rating convlog.Rating
		switch a.ActionID {
		case actionUp:
			rating = convlog.RatingUp
		case actionDown:
			rating = convlog.RatingDown
		default:
			continue
		}
		if !strings.HasPrefix(a.Value, "slack:") || len(a.Value) > 500 {
			return fmt.Errorf("%w: feedback button value %q", errBadRequest, a.Value)
		}
		f := convlog.Feedback{MessageID: a.Value, Rating: rating, CreatedAt: s.cfg.Now()}
		user, responseURL := cb.User.ID, cb.ResponseURL
		return s.goWork("feedback", func(ctx context.Context) { s.saveFeedback(ctx, f, user, responseURL) })
	}
	return nil
}

// handleChoice asks the question of a clicked choice button.
func (s *Service) handleChoice(cb slack.InteractionCallback, a *slack.BlockAction) error {
	var v choiceValue
	if len(a.Value) > 4*maxButtonValue || json.Unmarshal([]byte(a.Value), &v) != nil {
		return fmt.Errorf("%w: choice button value %q", errBadRequest, a.Value)
	}
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	text := cleanText(v.Message)
	// The conversation must be one of this channel's: the value is ours,
	// but nothing else should be able to steer an answer elsewhere.
	_, refused := bot.CheckMessage(text)
	if channel == "" || cb.User.ID == "" || !strings.HasPrefix(v.Conv, "slack:"+channel) || refused != nil {
		return fmt.Errorf("%w: choice button in channel %q with value %q", errBadRequest, channel, a.Value)
	}
	ts := a.ActionTs
	if ts == "" {
		now := s.cfg.Now()
		ts = fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
	}
	q := question{channel: channel, threadTS: v.Thread, ts: ts, user: cb.User.ID, text: text, conv: v.Conv,
		command: v.Command, chosen: v.Label}
	if v.Command {
		if cb.ResponseURL == "" {
			return fmt.Errorf("%w: choice under a slash command without response_url", errBadRequest)
		}
		responseURL := cb.ResponseURL
		return s.goWork("choice", func(ctx context.Context) { s.answerCommand(ctx, q, responseURL, false) })
	}
	return s.goWork("choice", func(ctx context.Context) { s.answer(ctx, q) })
}

// saveFeedback stores a click of user's, and thanks them.
func (s *Service) saveFeedback(ctx context.Context, f convlog.Feedback, user, responseURL string) {
	text := thanksText
	if err := s.msgs.SaveFeedback(ctx, f); err != nil {
		if fault.CodeOf(err) == convlog.CodeNoSuchMessage {
			err = fmt.Errorf("the answer rated is not stored (it may predate this database): %w", err)
		}
		s.log.Error("feedback not saved", "message", f.MessageID, "rating", f.Rating, "user", user, "err", err)
		text = feedbackErrText
	} else {
		s.log.Info("feedback saved", "message", f.MessageID, "rating", f.Rating, "user", user)
	}
	if responseURL == "" {
		return
	}
	msg := &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: text}
	if err := s.respond(ctx, responseURL, msg); err != nil {
		s.log.Warn("feedback acknowledgement not posted", "err", err)
	}
}

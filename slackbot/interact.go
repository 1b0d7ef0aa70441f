package slackbot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"policybot/bot"
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
func (s *Service) handleCommand(cmd slack.SlashCommand) (commandAck, error) {
	text := cleanText(cmd.Text)
	if err := checkQuestion(text); err != nil {
		return commandAck{ResponseType: slack.ResponseTypeEphemeral, Text: userMessage(err)}, nil
	}
	if cmd.ResponseURL == "" || cmd.ChannelID == "" || cmd.UserID == "" {
		return commandAck{}, fmt.Errorf("%w: slash command without response_url, channel or user", errBadRequest)
	}
	now := s.cfg.Now()
	q := question{
		channel: cmd.ChannelID, user: cmd.UserID, text: text,
		// No message of the user's exists; the time asked stands in for
		// its ts in the feedback message id.
		ts:   fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000),
		conv: "slack:" + cmd.ChannelID + ":" + cmd.UserID,
	}
	if err := s.goWork("command", func(ctx context.Context) { s.answerCommand(ctx, q, cmd.ResponseURL) }); err != nil {
		return commandAck{}, err
	}
	return commandAck{ResponseType: slack.ResponseTypeEphemeral, Text: placeholderText}, nil
}

// answerCommand replaces the acknowledgement with the answer.
func (s *Service) answerCommand(ctx context.Context, q question, responseURL string) {
	log := s.log.With("channel", q.channel, "user", q.user, "conversation", q.conv)
	var replies []reply
	ans, err := s.ask(ctx, bot.Request{ConversationID: q.conv, Message: q.text}, q.messageID())
	if err != nil {
		log.Error("answer failed", "err", err)
		text := userMessage(err)
		replies = []reply{{Text: text, Blocks: textBlocks(text)}}
		ctx2, cancel := context.WithTimeout(context.WithoutCancel(ctx), apologyTimeout)
		defer cancel()
		ctx = ctx2
	} else {
		replies = renderAnswer(ans, s.cfg.PublicURL, q.messageID())
	}
	for i, r := range replies {
		msg := &slack.WebhookMessage{
			ResponseType: slack.ResponseTypeEphemeral, Text: r.Text,
			Blocks: &slack.Blocks{BlockSet: r.Blocks}, ReplaceOriginal: i == 0,
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
// user gets a short ephemeral thanks.
func (s *Service) handleInteraction(cb slack.InteractionCallback) error {
	if cb.Type != slack.InteractionTypeBlockActions {
		return nil
	}
	for _, a := range cb.ActionCallback.BlockActions {
		var rating string
		switch a.ActionID {
		case actionUp:
			rating = "up"
		case actionDown:
			rating = "down"
		default:
			continue
		}
		if !strings.HasPrefix(a.Value, "slack:") || len(a.Value) > 500 {
			return fmt.Errorf("%w: feedback button value %q", errBadRequest, a.Value)
		}
		f := Feedback{MessageID: a.Value, Rating: rating, Source: "slack", User: cb.User.ID}
		responseURL := cb.ResponseURL
		return s.goWork("feedback", func(ctx context.Context) { s.saveFeedback(ctx, f, responseURL) })
	}
	return nil
}

func (s *Service) saveFeedback(ctx context.Context, f Feedback, responseURL string) {
	text := thanksText
	if err := s.fb.SaveFeedback(ctx, f); err != nil {
		s.log.Error("feedback not saved", "message", f.MessageID, "rating", f.Rating, "err", err)
		text = feedbackErrText
	} else {
		s.log.Info("feedback saved", "message", f.MessageID, "rating", f.Rating)
	}
	if responseURL == "" {
		return
	}
	msg := &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: text}
	if err := s.respond(ctx, responseURL, msg); err != nil {
		s.log.Warn("feedback acknowledgement not posted", "err", err)
	}
}

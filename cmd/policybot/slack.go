package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"policybot/bot"
	"policybot/slackbot"
	"policybot/web"
)

// slackService returns the Slack adapter when SLACK_BOT_TOKEN is set, or
// nil. Its answers are stored as messages (channel "slack") so that the
// 👍/👎 buttons are stored as feedback beside the web's.
func slackService(cfg Config, b *bot.Bot, st web.Store, dedup slackbot.Deduper, conv bot.ConversationStore, log *slog.Logger) (*slackbot.Service, error) {
	if cfg.SlackBotToken == "" {
		return nil, nil
	}
	apiURL := cfg.SlackAPIURL
	if apiURL != "" && !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	fb := slackFeedback{st}
	return slackbot.New(slackbot.Config{
		BotToken: cfg.SlackBotToken, AppToken: cfg.SlackAppToken, SigningSecret: cfg.SlackSigningSecret,
		APIURL: apiURL, PublicURL: cfg.PublicURL, Conversations: conv, Logger: log, Now: cfg.Now,
		Record: func(ctx context.Context, id string, req bot.Request, ans bot.Answer) {
			m := web.Message{
				ID: id, ConversationID: req.ConversationID, Channel: "slack", Question: req.Message,
				Answer: ans.Text, Refused: ans.Refused, Notice: ans.Notice, Generated: ans.Generated,
				Replaced: ans.Replaced, Citations: ans.Citations, CreatedAt: cfg.Now(),
			}
			if err := st.SaveMessage(ctx, m); err != nil {
				log.Warn("slack answer not stored", "message", id, "err", err)
			}
		},
	}, b, fb, dedup)
}

// slackFeedback stores Slack's button clicks with the web feedback.
type slackFeedback struct{ st web.Store }

func (f slackFeedback) SaveFeedback(ctx context.Context, fb slackbot.Feedback) error {
	err := f.st.SaveFeedback(ctx, web.Feedback{MessageID: fb.MessageID, Rating: fb.Rating, Comment: fb.Comment})
	if errors.Is(err, web.ErrNotFound) {
		return errors.New("the answer rated is not stored (it may predate this database)")
	}
	return err
}

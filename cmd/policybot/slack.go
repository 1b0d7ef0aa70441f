package main

import (
	"log/slog"
	"strings"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/slackbot"
)

// slackService returns the Slack adapter when SLACK_BOT_TOKEN is set, or
// nil. Its answers and their 👍/👎 go to the message log (channel "slack"),
// beside the web's; conv is the bot's own conversation store.
func slackService(cfg Config, b *bot.Bot, log convlog.Store, dedup slackbot.Deduper, conv convlog.Conversations, logger *slog.Logger) (*slackbot.Service, error) {
	if cfg.SlackBotToken == "" {
		return nil, nil
	}
	apiURL := cfg.SlackAPIURL
	if apiURL != "" && !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	return slackbot.New(slackbot.Config{
		BotToken: cfg.SlackBotToken, AppToken: cfg.SlackAppToken, SigningSecret: cfg.SlackSigningSecret,
		APIURL: apiURL, PublicURL: cfg.PublicURL, Conversations: conv, Logger: logger, Now: cfg.Now,
	}, b, log, dedup)
}

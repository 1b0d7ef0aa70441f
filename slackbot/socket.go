package slackbot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode answers Slack over a Socket Mode connection (no public
// URL needed) until ctx is done; slack-go's client reconnects when the
// connection drops or Slack asks it to. On return the answers in flight
// have been posted. It returns an error if the connection cannot be made
// (a bad app token, for one).
func (s *Service) RunSocketMode(ctx context.Context) error {
	if s.cfg.AppToken == "" {
		return errors.New("slackbot: no app token (SLACK_APP_TOKEN) for Socket Mode")
	}
	api := slack.New(s.cfg.BotToken, s.clientOptions()...)
	client := socketmode.New(api, socketmode.OptionLog(slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)))

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- client.RunContext(runCtx) }()

	for {
		select {
		case <-ctx.Done():
			stop()
			<-done
			s.wg.Wait()
			return nil
		case err := <-done:
			s.wg.Wait()
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack socket mode: %w", err)
		case evt := <-client.Events:
			s.handleSocketEvent(ctx, client, evt)
		}
	}
}

// handleSocketEvent acknowledges each request at once, then handles it as
// its HTTP twin would.
func (s *Service) handleSocketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		s.log.Debug("connecting to Slack (Socket Mode)")
	case socketmode.EventTypeConnected:
		s.log.Info("connected to Slack (Socket Mode)")
	case socketmode.EventTypeConnectionError:
		s.log.Warn("Slack connection failed; retrying", "event", evt.Data)
	case socketmode.EventTypeInvalidAuth:
		s.log.Error("Slack refused the app token")
	case socketmode.EventTypeErrorBadMessage:
		s.log.Warn("unreadable Socket Mode message", "event", evt.Data)
	case socketmode.EventTypeEventsAPI:
		s.ack(client, evt.Request, nil)
		if evt.Request == nil {
			return
		}
		if _, err := s.handleEvent(ctx, evt.Request.Payload); err != nil {
			s.log.Error("Slack event not handled", "err", err)
		}
	case socketmode.EventTypeSlashCommand:
		cmd, _ := evt.Data.(slack.SlashCommand)
		ack, err := s.handleCommand(ctx, cmd)
		if err != nil {
			s.log.Error("slash command not handled", "err", err)
			ack = commandAck{ResponseType: slack.ResponseTypeEphemeral, Text: userMessage(err)}
		}
		s.ack(client, evt.Request, ack)
	case socketmode.EventTypeInteractive:
		s.ack(client, evt.Request, nil)
		cb, _ := evt.Data.(slack.InteractionCallback)
		if err := s.handleInteraction(cb); err != nil {
			s.log.Error("interaction not handled", "err", err)
		}
	}
}

func (s *Service) ack(client *socketmode.Client, req *socketmode.Request, payload any) {
	if req == nil {
		return
	}
	var err error
	if payload != nil {
		err = client.Ack(*req, payload)
	} else {
		err = client.Ack(*req)
	}
	if err != nil {
		s.log.Warn("Socket Mode ack failed", "err", err)
	}
}

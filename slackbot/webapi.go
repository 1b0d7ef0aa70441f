package slackbot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/slack-go/slack"
)

const (
	// callTimeout bounds one Web API call (each retry gets its own).
	callTimeout = 15 * time.Second
	// maxRateLimitRetries is how often a call rate-limited by Slack is
	// tried again after the wait Slack asked for.
	maxRateLimitRetries = 3
)

// call runs one Slack call, and on Slack's 429 waits as long as its
// Retry-After says and tries again.
func (s *Service) call(ctx context.Context, op string, f func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		err := f(cctx)
		cancel()
		if err == nil {
			return nil
		}
		wait, limited := retryAfter(err)
		if !limited || attempt >= maxRateLimitRetries {
			return fmt.Errorf("%s: %w", op, err)
		}
		s.log.Info("rate limited by Slack", "call", op, "retry_after", wait, "attempt", attempt+1)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w (while rate limited)", op, ctx.Err())
		}
	}
}

// retryAfter reports whether err is Slack's 429 and how long to wait.
func retryAfter(err error) (time.Duration, bool) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return max(rl.RetryAfter, time.Second), true
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests {
		return time.Second, true // a 429 without Retry-After
	}
	return 0, false
}

// post sends a message and returns its ts. An empty threadTS posts at the
// top level.
func (s *Service) post(ctx context.Context, channel, threadTS string, opts ...slack.MsgOption) (string, error) {
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	opts = append(opts, slack.MsgOptionDisableLinkUnfurl(), slack.MsgOptionDisableMediaUnfurl())
	var ts string
	err := s.call(ctx, "chat.postMessage", func(ctx context.Context) (err error) {
		_, ts, err = s.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	return ts, err
}

// update replaces the message at ts.
func (s *Service) update(ctx context.Context, channel, ts string, opts ...slack.MsgOption) error {
	return s.call(ctx, "chat.update", func(ctx context.Context) error {
		_, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts, opts...)
		return err
	})
}

// maxHistory is how many messages of a thread or DM are read to restore a
// conversation.
const maxHistory = 100

// replies returns a thread, oldest first, with message metadata.
func (s *Service) replies(ctx context.Context, channel, threadTS string) ([]slack.Message, error) {
	var msgs []slack.Message
	err := s.call(ctx, "conversations.replies", func(ctx context.Context) (err error) {
		msgs, _, _, err = s.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: threadTS, Limit: maxHistory, IncludeAllMetadata: true,
		})
		return err
	})
	return msgs, err
}

// history returns the top-level messages of a DM before ts, oldest first,
// with message metadata.
func (s *Service) history(ctx context.Context, channel, beforeTS string) ([]slack.Message, error) {
	var resp *slack.GetConversationHistoryResponse
	err := s.call(ctx, "conversations.history", func(ctx context.Context) (err error) {
		resp, err = s.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channel, Latest: beforeTS, Limit: maxHistory, IncludeAllMetadata: true,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	msgs := make([]slack.Message, len(resp.Messages))
	for i, m := range resp.Messages { // newest first
		msgs[len(msgs)-1-i] = m
	}
	return msgs, nil
}

// respond posts to a response_url (slash commands, button clicks).
func (s *Service) respond(ctx context.Context, responseURL string, msg *slack.WebhookMessage) error {
	return s.call(ctx, "response_url", func(ctx context.Context) error {
		return slack.PostWebhookCustomHTTPContext(ctx, responseURL, s.cfg.HTTPClient, msg)
	})
}

package slackbot

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/slack-go/slack"
)

// Errors of the HTTP endpoints; httpStatus translates them.
var (
	errUnauthorized = errors.New("slackbot: request not signed by Slack")
	errBadRequest   = errors.New("slackbot: bad request")
)

const (
	// maxBody is the largest request Slack sends (with room to spare).
	maxBody = 1 << 20
	// replayWindow is how old (or how far ahead) a request's timestamp
	// may be.
	replayWindow = 5 * time.Minute
)

// Handler serves Slack's HTTP requests, verified with the signing secret:
//
//	POST /slack/events        Events API (url_verification, event_callback)
//	POST /slack/interactions  button clicks
//	POST /slack/commands      slash commands
//
// Mount it at /slack/. Every request is acknowledged at once; answers are
// posted in the background.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /slack/events", s.verified(s.handleEvents()))
	mux.Handle("POST /slack/interactions", s.verified(s.handleInteractions()))
	mux.Handle("POST /slack/commands", s.verified(s.handleCommands()))
	return mux
}

// verified passes on only requests signed by Slack within the replay
// window, with the body read into the request again.
func (s *Service) verified(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			s.writeError(w, fmt.Errorf("%w: read body: %v", errBadRequest, err))
			return
		}
		if err := verify(s.cfg.SigningSecret, s.cfg.Now(), r.Header, body); err != nil {
			s.writeError(w, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// verify checks Slack's v0 signature
// (https://docs.slack.dev/authentication/verifying-requests-from-slack).
func verify(secret string, now time.Time, h http.Header, body []byte) error {
	if secret == "" {
		return fmt.Errorf("%w: no signing secret configured", errUnauthorized)
	}
	ts := h.Get("X-Slack-Request-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: bad timestamp %q", errUnauthorized, ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > replayWindow || d < -replayWindow {
		return fmt.Errorf("%w: timestamp %s off by %s", errUnauthorized, ts, d.Round(time.Second))
	}
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", ts)
	mac.Write(body)
	want := "v0=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(h.Get("X-Slack-Signature"))) {
		return fmt.Errorf("%w: signature mismatch", errUnauthorized)
	}
	return nil
}

func (s *Service) handleEvents() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // already in memory
		if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
			s.log.Info("Slack retried an event", "retry", n, "reason", r.Header.Get("X-Slack-Retry-Reason"))
		}
		challenge, err := s.handleEvent(r.Context(), body)
		if err != nil {
			s.writeError(w, err)
			return
		}
		if challenge != "" {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, challenge)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

func (s *Service) handleInteractions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form, err := readForm(r)
		if err != nil {
			s.writeError(w, err)
			return
		}
		var cb slack.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			s.writeError(w, fmt.Errorf("%w: interaction payload: %v", errBadRequest, err))
			return
		}
		if err := s.handleInteraction(cb); err != nil {
			s.writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

func (s *Service) handleCommands() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form, err := readForm(r)
		if err != nil {
			s.writeError(w, err)
			return
		}
		ack, err := s.handleCommand(r.Context(), slack.SlashCommand{
			Command: form.Get("command"), Text: form.Get("text"),
			UserID: form.Get("user_id"), ChannelID: form.Get("channel_id"),
			ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id"),
			TeamID: form.Get("team_id"),
		})
		if err != nil {
			s.writeError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ack)
	})
}

func readForm(r *http.Request) (url.Values, error) {
	body, _ := io.ReadAll(r.Body) // already in memory
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: form: %v", errBadRequest, err)
	}
	return form, nil
}

// writeError is the one place an error becomes an HTTP status. Slack
// retries events answered 5xx, which is what errClosed wants.
func (s *Service) writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, errUnauthorized):
		status = http.StatusUnauthorized
	case errors.Is(err, errBadRequest):
		status = http.StatusBadRequest
	case errors.Is(err, errClosed):
		status = http.StatusServiceUnavailable
	}
	if status == http.StatusUnauthorized {
		s.log.Warn("Slack request rejected", "err", err)
	} else {
		s.log.Error("Slack request failed", "status", status, "err", err)
	}
	http.Error(w, http.StatusText(status), status)
}

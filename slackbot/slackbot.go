// Package slackbot is the Slack adapter of PolicyBot: it answers app
// mentions, direct messages, follow-ups in threads it answered and the
// /policy slash command, over Socket Mode or the HTTP Events API, and stores
// the 👍/👎 clicks as feedback.
//
// The package depends on the bot only through the small interfaces below;
// cmd wires the real bot, the feedback store and the deduplicator in.
package slackbot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/policies/fault"
)

// Asker answers one question; *bot.Bot satisfies it.
type Asker interface {
	// Ask refuses a question bot.CheckMessage refuses, with its
	// *fault.Error; other errors are failures of the bot's parts.
	Ask(ctx context.Context, req bot.Request) (bot.Answer, error)
}

var _ Asker = (*bot.Bot)(nil)

// StreamAsker is an Asker that also hands the answer out as it is released
// (*bot.Bot does: checked sentences of a generated answer). With it, the
// placeholder shows the answer as it grows.
type StreamAsker interface {
	Asker
	AskStream(ctx context.Context, req bot.Request, onDelta func(string)) (bot.Answer, error)
}

var _ StreamAsker = (*bot.Bot)(nil)

// Log is the message log the answers and the 👍/👎 clicks on them go to
// (a convlog.Store, the web's too). An answer's message id is
// "<conversation id>/<ts of the question>", e.g.
// "slack:C0123:1712345678.000100/1712345678.000100" (a slash command, which
// has no message, uses the time it was asked as ts); its buttons carry it.
type Log interface {
	// SaveMessage records an answer; an error means it was not recorded.
	SaveMessage(ctx context.Context, m convlog.Message) error
	// SaveFeedback stores f; any error means it was not stored
	// (convlog.NoSuchMessage: the answer rated is not in the log).
	SaveFeedback(ctx context.Context, f convlog.Feedback) error
}

// Deduper recognises events Slack delivers more than once (retries carry
// the same event_id).
type Deduper interface {
	// FirstSeen reports whether eventID is new, and remembers it. An error
	// means the answer is unknown; the caller then treats the event as new.
	FirstSeen(ctx context.Context, eventID string) (bool, error)
}

// Config are the Slack settings and the parts a Service uses.
type Config struct {
	// BotToken (xoxb-…) calls the Web API; required.
	BotToken string
	// AppToken (xapp-…) opens the Socket Mode connection; only
	// RunSocketMode needs it.
	AppToken string
	// SigningSecret verifies HTTP requests; without it Handler rejects
	// every request.
	SigningSecret string
	// APIURL overrides the Web API base URL (tests, proxies); empty means
	// https://slack.com/api/.
	APIURL string
	// PublicURL is where the web UI is served; citations link to
	// PublicURL/policies/{id}#article-N. Empty means no links.
	PublicURL string
	// Conversations, when set, must be the bot's own conversation store:
	// a thread the bot has no turns for (after a restart, or on another
	// replica) is restored into it from the thread before asking.
	Conversations convlog.Conversations
	// MaxConcurrent bounds the questions asked at once; 0 means 4.
	MaxConcurrent int
	// AnswerTimeout bounds one answer, Slack calls included; 0 means 60 s.
	AnswerTimeout time.Duration
	// StreamInterval is the least time between two updates of a streamed
	// answer (chat.update is rate limited); 0 means 1 s.
	StreamInterval time.Duration
	// Logger receives one line per answer and every failure; nil discards.
	Logger *slog.Logger
	// Now is the clock of the signature check; nil means time.Now.
	Now func() time.Time
	// HTTPClient calls Slack; nil means a client with a 15 s timeout.
	HTTPClient *http.Client
}

// Service answers Slack. It is safe for concurrent use.
type Service struct {
	cfg   Config
	api   *slack.Client
	asker Asker
	msgs  Log
	dedup Deduper
	log   *slog.Logger

	sem    chan struct{} // bounds concurrent Ask calls
	base   context.Context
	cancel context.CancelFunc // aborts in-flight work when Shutdown gives up

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup

	idMu sync.Mutex
	id   identity // the bot's own ids, from auth.test
}

// New returns a Service. asker and msgs (where answers and feedback are
// recorded) are required; a nil dedup means an in-memory one (enough for a
// single replica).
func New(cfg Config, asker Asker, msgs Log, dedup Deduper) (*Service, error) {
	if cfg.BotToken == "" {
		return nil, errors.New("slackbot: no bot token (SLACK_BOT_TOKEN)")
	}
	if asker == nil || msgs == nil {
		return nil, errors.New("slackbot: an asker and a message log are required")
	}
	if dedup == nil {
		dedup = NewMemoryDeduper(time.Hour)
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = 4
	}
	if cfg.AnswerTimeout <= 0 {
		cfg.AnswerTimeout = 60 * time.Second
	}
	if cfg.StreamInterval <= 0 {
		cfg.StreamInterval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.APIURL != "" && !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	base, cancel := context.WithCancel(context.Background())
	s := &Service{
		cfg: cfg, asker: asker, msgs: msgs, dedup: dedup,
		log:  cfg.Logger.With("component", "slack"),
		sem:  make(chan struct{}, cfg.MaxConcurrent),
		base: base, cancel: cancel,
	}
	s.api = slack.New(cfg.BotToken, s.clientOptions()...)
	return s, nil
}

func (s *Service) clientOptions() []slack.Option {
	opts := []slack.Option{
		slack.OptionHTTPClient(s.cfg.HTTPClient),
		slack.OptionLog(slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)),
	}
	if s.cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(s.cfg.APIURL))
	}
	if s.cfg.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(s.cfg.AppToken))
	}
	return opts
}

// errClosed is the error of work refused while shutting down.
var errClosed = errors.New("slackbot: shutting down")

// goWork runs f in the background with its own deadline, so an HTTP
// request can be acknowledged at once. Shutdown waits for it.
func (s *Service) goWork(name string, f func(ctx context.Context)) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errClosed
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(s.base, s.cfg.AnswerTimeout)
		defer cancel()
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("slack work panicked", "work", name, "panic", r)
			}
		}()
		f(ctx)
	}()
	return nil
}

// acquire waits for a slot to ask the bot.
func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for a free slot: %w", ctx.Err())
	}
}

func (s *Service) release() { <-s.sem }

// Shutdown stops taking new work and waits for the answers in flight. If
// ctx ends first, they are cancelled (each still posts its apology) and
// ctx's error is returned.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.cancel()
		<-done
		return ctx.Err()
	}
}

// Close is Shutdown without a deadline: answers in flight are bounded by
// Config.AnswerTimeout.
func (s *Service) Close() error { return s.Shutdown(context.Background()) }

// identity is the bot user's ids, to recognise its own messages and
// mentions.
type identity struct {
	UserID string
	BotID  string
}

// identity calls auth.test once (again after a failure).
func (s *Service) identity(ctx context.Context) (identity, error) {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	if s.id.UserID != "" {
		return s.id, nil
	}
	var resp *slack.AuthTestResponse
	err := s.call(ctx, "auth.test", func(ctx context.Context) (err error) {
		resp, err = s.api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		return identity{}, err
	}
	s.id = identity{UserID: resp.UserID, BotID: resp.BotID}
	return s.id, nil
}

// userMessage is what a Slack user is told when answering failed; the
// log keeps the detail. It is the one place errors become Slack replies.
func userMessage(err error) string {
	switch {
	case fault.CodeOf(err) == bot.CodeMessageTooLong:
		return fmt.Sprintf("问题太长了（上限 %d 字），请精简后再问。", bot.MaxMessageRunes)
	case fault.KindOf(err) != "":
		return usageText
	case errors.Is(err, context.DeadlineExceeded):
		return "抱歉，查询超时了，请稍后再试。"
	case errors.Is(err, context.Canceled), errors.Is(err, errClosed):
		return "抱歉，服务正在重启，请稍后再问一次。"
	default:
		return "抱歉，查询政策时出了点问题，请稍后再试。"
	}
}

const (
	placeholderText = "正在查询政策…"
	usageText       = "请写下您想问的政策问题，例如：首次被认定为国家级专精特新小巨人企业奖励多少？"
	thanksText      = "感谢反馈！"
	feedbackErrText = "抱歉，反馈没有保存成功，请稍后再试。"
)

// Package llm is the adapter to language-model servers: an OpenAI-compatible
// server (OpenAI, vLLM, LocalAI, llama.cpp, DashScope's compatible mode,
// DeepSeek) or Ollama, reached through langchaingo. It writes answers
// (bot.Generator, bot.Judge) and embeds texts (retrieval.Embedder); both
// get their client from one place, client.go, which holds every workaround
// langchaingo needs and never puts a placeholder key on the wire.
//
// The prompt is grounded: the model answers only from the numbered passages
// it is given and cites them as [N]; the bot checks every answer in code
// (bot.CheckGenerated) before a user sees it.
//
// The remote embedders live here rather than in retrieval because they are
// outside services: retrieval (core) defines the Embedder interface and
// keeps the offline default, retrieval.LocalEmbedder, so the core and
// `policybot serve` with the default configuration need no network and do
// not link langchaingo; the command picks one of the two (EMBED_PROVIDER).
package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tmc/langchaingo/llms"

	"policybot/bot"
	"policybot/bot/convlog"
)

// DefaultTimeout bounds a call when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// ErrUnavailable is wrapped by every error of a call to the model: a
// timeout, a refused connection, an HTTP error status, an empty or
// unreadable reply. The caller answers without the model.
var ErrUnavailable = errors.New("language model unavailable")

// Config says which model to use and how to reach it.
type Config struct {
	// Provider is ProviderOpenAI (any OpenAI-compatible server) or
	// ProviderOllama.
	Provider string
	// BaseURL is the API root: for openai it includes the version
	// (https://api.openai.com/v1, http://localhost:8000/v1,
	// https://dashscope.aliyuncs.com/compatible-mode/v1); for ollama it is
	// the server (http://localhost:11434). Empty means the provider's default.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <key>". Empty means a keyless
	// server: no Authorization header is sent.
	APIKey string
	// Model is the model name the server knows (qwen-plus, deepseek-chat,
	// qwen2.5:7b). Required.
	Model string
	// Timeout bounds each call, streaming included. Zero means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends the requests; nil means a new client on
	// http.DefaultTransport. It is not modified: New wraps a copy.
	HTTPClient *http.Client
}

// Limits of a call. Generous for an answer of a few sentences; a condensed
// question is one line.
const (
	answerMaxTokens   = 1024
	condenseMaxTokens = 128
	answerTemperature = 0.1
)

// generator is a bot.Generator over a langchaingo model.
type generator struct {
	model   llms.Model
	name    string
	timeout time.Duration
	// opts are the provider's options added to every call.
	opts []llms.CallOption
}

var (
	_ bot.Generator = (*generator)(nil)
	_ bot.Judge     = (*generator)(nil)
)

// New returns a Generator for cfg. It checks cfg and builds the client; it
// makes no request.
func New(cfg Config) (bot.Generator, error) {
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("llm: negative timeout %s", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	srv, err := server{provider: cfg.Provider, baseURL: cfg.BaseURL, apiKey: cfg.APIKey, model: cfg.Model, hc: cfg.HTTPClient}.check()
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	g := &generator{name: srv.name(), timeout: cfg.Timeout}
	if g.model, g.opts, err = connect(srv); err != nil {
		return nil, fmt.Errorf("llm: %s: %w", g.name, err)
	}
	return g, nil
}

// Name implements bot.Generator: the provider and the model
// ("openai:qwen-plus").
func (g *generator) Name() string { return g.name }

// Generate implements bot.Generator. With req.OnToken set the answer is
// streamed to it as it arrives (without a reasoning model's <think> block);
// the full text is returned either way. Every error of the call wraps
// ErrUnavailable; OnToken may have received part of an answer before it,
// which the caller discards.
func (g *generator) Generate(ctx context.Context, req bot.GenerateRequest) (string, error) {
	if len(req.Passages) == 0 {
		return "", fmt.Errorf("llm: %s: generate: no passages to answer from", g.name)
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	opts := slices.Concat(g.opts, []llms.CallOption{
		llms.WithTemperature(answerTemperature),
		llms.WithMaxTokens(answerMaxTokens),
	})
	var stream *thinkFilter
	if req.OnToken != nil {
		stream = &thinkFilter{emit: req.OnToken}
		opts = append(opts, llms.WithStreamingFunc(func(_ context.Context, chunk []byte) error {
			stream.write(string(chunk))
			return nil
		}))
	}
	text, err := g.call(ctx, "generate", generateMessages(req), opts)
	if err != nil {
		return "", err
	}
	if stream != nil {
		stream.flush()
	}
	return text, nil
}

// Condense implements bot.Generator: it rewrites a follow-up into a
// standalone question. With no history the question is returned as it is,
// without a call. Every error wraps ErrUnavailable; the caller then resolves
// the follow-up itself.
func (g *generator) Condense(ctx context.Context, history []convlog.Turn, question string) (string, error) {
	question = strings.TrimSpace(question)
	if len(history) == 0 || question == "" {
		return question, nil
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	opts := slices.Concat(g.opts, []llms.CallOption{
		llms.WithTemperature(0),
		llms.WithMaxTokens(condenseMaxTokens),
	})
	text, err := g.call(ctx, "condense", condenseMessages(history, question), opts)
	if err != nil {
		return "", err
	}
	q := cleanCondensed(text)
	if q == "" || len([]rune(q)) > bot.MaxMessageRunes {
		return "", fmt.Errorf("%w: %s: condense: unusable reply %.80q", ErrUnavailable, g.name, text)
	}
	return q, nil
}

// judgeMaxTokens bounds a verdict ("覆盖 [2]"), with room for a reasoning
// model's <think> block.
const judgeMaxTokens = 256

// Judge implements bot.Judge: whether the passages answer the question
// ("覆盖 [N]" or "未覆盖"). A reply that is not one of those is an error
// wrapping ErrUnavailable; the bot then keeps its own decision.
func (g *generator) Judge(ctx context.Context, req bot.JudgeRequest) (bool, int, error) {
	if len(req.Passages) == 0 {
		return false, 0, fmt.Errorf("llm: %s: judge: no passages", g.name)
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	opts := slices.Concat(g.opts, []llms.CallOption{llms.WithTemperature(0), llms.WithMaxTokens(judgeMaxTokens)})
	text, err := g.call(ctx, "judge", judgeMessages(req), opts)
	if err != nil {
		return false, 0, err
	}
	covered, n, ok := parseVerdict(text)
	if !ok {
		return false, 0, fmt.Errorf("%w: %s: judge: not a verdict: %.80q", ErrUnavailable, g.name, text)
	}
	return covered, n, nil
}

// call sends one request and returns the reply's text, trimmed, or an error
// wrapping ErrUnavailable.
func (g *generator) call(ctx context.Context, op string, msgs []llms.MessageContent, opts []llms.CallOption) (text string, err error) {
	start := time.Now()
	defer func() {
		// langchaingo parses what the server sends; a malformed reply
		// (a null tool call in a stream) can make it panic. A bad server
		// must cost one answer, not the process.
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("%w: %s: %s: malformed reply: %v", ErrUnavailable, g.name, op, r)
		}
	}()
	resp, err := g.model.GenerateContent(ctx, msgs, opts...)
	// The context decides first: langchaingo ends a stream cut by the
	// deadline as if it had finished, with the text so far and no error.
	if cerr := ctx.Err(); cerr != nil {
		return "", fmt.Errorf("%w: %s: %s: no complete reply after %s: %w", ErrUnavailable, g.name, op, time.Since(start).Round(time.Millisecond), cerr)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %s: %s: %w", ErrUnavailable, g.name, op, err)
	}
	if resp == nil || len(resp.Choices) == 0 || resp.Choices[0] == nil {
		return "", fmt.Errorf("%w: %s: %s: reply has no choices", ErrUnavailable, g.name, op)
	}
	text = strings.TrimSpace(stripThink(resp.Choices[0].Content))
	if text == "" {
		return "", fmt.Errorf("%w: %s: %s: empty reply", ErrUnavailable, g.name, op)
	}
	return text, nil
}

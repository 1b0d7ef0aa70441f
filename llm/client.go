package llm

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/tmc/langchaingo/embeddings"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/ollama"
	"github.com/tmc/langchaingo/llms/openai"
)

// This file is the one place that builds langchaingo clients: the
// generator (llm.go) and the embedder (embed.go) both get theirs from
// connect, so each of langchaingo's surprises is worked around once:
//
//  1. It refuses an OpenAI client with an empty token, then sends
//     "Authorization: Bearer <token>" on every request: a placeholder
//     token is given and the transport removes the header again (a keyless
//     server, or a proxy that rejects unknown keys, never sees it); with a
//     key, the transport sets it, for Ollama too (its client has no key
//     option).
//  2. Unset options fall back to OPENAI_API_KEY, OPENAI_BASE_URL,
//     OPENAI_MODEL, OPENAI_ORGANIZATION and OLLAMA_HOST from the
//     environment, which a library must not read: every option is set.
//  3. ollama.WithServerURL calls log.Fatal on a URL it cannot parse: the
//     URL is checked first.
//  4. The Ollama client reports a 500 with an empty body as success with no
//     text, and one with a text body as a JSON syntax error: the transport
//     turns every HTTP error status into an *HTTPError.
//  5. The OpenAI client replaces any net.Error (as *url.Error is) with
//     "network error: failed to reach API server": causeDoer keeps the
//     cause ("connection refused", the HTTP status).

// The providers New and NewEmbedder accept.
const (
	ProviderOpenAI = "openai"
	ProviderOllama = "ollama"
)

// Where requests go when the configured base URL is empty.
const (
	DefaultOpenAIBaseURL = "https://api.openai.com/v1"
	DefaultOllamaBaseURL = "http://127.0.0.1:11434"
)

// server is a model on a server and how to reach it: what a generator and
// an embedder have in common.
type server struct {
	provider, baseURL, apiKey, model string
	hc                               *http.Client // nil: a new client
}

// check normalises s (provider and model trimmed, the provider's default
// base URL) and says what is wrong with it.
func (s server) check() (server, error) {
	s.provider = strings.ToLower(strings.TrimSpace(s.provider))
	s.model = strings.TrimSpace(s.model)
	switch s.provider {
	case ProviderOpenAI:
		if s.baseURL == "" {
			s.baseURL = DefaultOpenAIBaseURL
		}
	case ProviderOllama:
		if s.baseURL == "" {
			s.baseURL = DefaultOllamaBaseURL
		}
	default:
		return s, fmt.Errorf("unknown provider %q (want %q or %q)", s.provider, ProviderOpenAI, ProviderOllama)
	}
	if s.model == "" {
		return s, fmt.Errorf("no model for provider %q", s.provider)
	}
	u, err := url.Parse(s.baseURL)
	if err != nil {
		return s, fmt.Errorf("base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return s, fmt.Errorf("base URL %q: want http(s)://host[:port][/path]", s.baseURL)
	}
	return s, nil
}

// name is "provider:model", as users see it.
func (s server) name() string { return s.provider + ":" + s.model }

// client is a langchaingo model of either provider: it generates and it
// embeds.
type client interface {
	llms.Model
	embeddings.EmbedderClient
}

// keylessToken stands in for the key of a keyless OpenAI-compatible server
// (see 1 above); it never reaches the wire.
const keylessToken = "keyless"

// ollamaNumCtx is the context window asked of Ollama, whose default (2048
// tokens in many versions) silently drops the start of a prompt with
// several articles in it — the system prompt first. Embedding requests do
// not carry it.
const ollamaNumCtx = 8192

// connect builds the client of s, which check has accepted, and the
// options to add to every generation call. It makes no request.
func connect(s server) (client, []llms.CallOption, error) {
	hc := httpClient(s.hc, s.apiKey)
	switch s.provider {
	case ProviderOpenAI:
		token := s.apiKey
		if token == "" {
			token = keylessToken
		}
		m, err := openai.New(
			openai.WithToken(token),
			openai.WithBaseURL(s.baseURL),
			openai.WithModel(s.model),
			openai.WithEmbeddingModel(s.model),
			openai.WithOrganization(""),
			openai.WithHTTPClient(causeDoer{hc}),
		)
		if err != nil {
			return nil, nil, err
		}
		// max_tokens rather than max_completion_tokens: the
		// OpenAI-compatible servers this is for (vLLM, LocalAI, DashScope,
		// DeepSeek) know the older field; OpenAI still accepts it for chat
		// models.
		return m, []llms.CallOption{openai.WithLegacyMaxTokensField()}, nil
	case ProviderOllama:
		m, err := ollama.New(
			ollama.WithServerURL(s.baseURL), // checked by check: WithServerURL calls log.Fatal on a bad URL
			ollama.WithModel(s.model),
			ollama.WithHTTPClient(hc),
			ollama.WithRunnerNumCtx(ollamaNumCtx),
		)
		if err != nil {
			return nil, nil, err
		}
		return m, nil, nil
	}
	return nil, nil, errors.New("unknown provider " + s.provider)
}

// httpClient is a copy of hc (or a new client) whose transport sets the key
// and reports HTTP error statuses.
func httpClient(hc *http.Client, key string) *http.Client {
	c := &http.Client{}
	if hc != nil {
		cp := *hc
		c = &cp
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &transport{base: base, key: key}
	return c
}

// HTTPError is an HTTP error status from the model's server, found with
// errors.As in an error wrapping ErrUnavailable (401 and 403 mean a wrong
// key; 404 often a wrong model or base URL).
type HTTPError struct {
	StatusCode int
	// Body is the start of the response body, on one line.
	Body string
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// maxErrorBody is how much of an error response is kept.
const maxErrorBody = 512

// transport puts the key on every request, or removes the Authorization
// header when there is no key, and turns an HTTP error status into an
// *HTTPError (1 and 4 above).
type transport struct {
	base http.RoundTripper
	key  string
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if t.key == "" {
		r.Header.Del("Authorization")
	} else {
		r.Header.Set("Authorization", "Bearer "+t.key)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= http.StatusBadRequest {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		return nil, &HTTPError{StatusCode: resp.StatusCode, Body: strings.Join(strings.Fields(string(body)), " ")}
	}
	return resp, nil
}

// causeDoer keeps the cause of a failed request for langchaingo's OpenAI
// client (5 above).
type causeDoer struct{ c *http.Client }

func (d causeDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return resp, nil
}

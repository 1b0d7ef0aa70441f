package llm

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/ollama"
	"github.com/tmc/langchaingo/llms/openai"
)

// keylessToken stands in for the key of a keyless OpenAI-compatible server:
// langchaingo refuses to build a client with an empty token and then always
// sends "Authorization: Bearer <token>". The transport removes that header
// again, so a keyless server, or a proxy in front of it that rejects unknown
// keys, never sees the placeholder.
const keylessToken = "keyless"

// newOpenAI builds the OpenAI-compatible client. Every option is set
// explicitly: langchaingo otherwise falls back to OPENAI_API_KEY,
// OPENAI_BASE_URL, OPENAI_MODEL and OPENAI_ORGANIZATION from the
// environment, which a library must not read.
func newOpenAI(cfg Config, hc *http.Client) (llms.Model, []llms.CallOption, error) {
	token := cfg.APIKey
	if token == "" {
		token = keylessToken
	}
	m, err := openai.New(
		openai.WithToken(token),
		openai.WithBaseURL(cfg.BaseURL),
		openai.WithModel(cfg.Model),
		openai.WithOrganization(""),
		openai.WithHTTPClient(causeDoer{hc}),
	)
	if err != nil {
		return nil, nil, err
	}
	// max_tokens rather than max_completion_tokens: the OpenAI-compatible
	// servers this is for (vLLM, LocalAI, DashScope, DeepSeek) know the
	// older field; OpenAI still accepts it for chat models.
	return m, []llms.CallOption{openai.WithLegacyMaxTokensField()}, nil
}

// newOllama builds the Ollama client. The server URL is always given:
// langchaingo otherwise reads OLLAMA_HOST from the environment.
func newOllama(cfg Config, hc *http.Client) (llms.Model, []llms.CallOption, error) {
	m, err := ollama.New(
		ollama.WithServerURL(cfg.BaseURL), // checked by New: WithServerURL calls log.Fatal on a bad URL
		ollama.WithModel(cfg.Model),
		ollama.WithHTTPClient(hc),
		ollama.WithRunnerNumCtx(ollamaNumCtx),
	)
	if err != nil {
		return nil, nil, err
	}
	return m, nil, nil
}

// httpClient is a copy of cfg.HTTPClient (or a new client) whose transport
// sets the key and reports HTTP error statuses.
func httpClient(cfg Config) *http.Client {
	c := &http.Client{}
	if cfg.HTTPClient != nil {
		cp := *cfg.HTTPClient
		c = &cp
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &transport{base: base, key: cfg.APIKey}
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

// transport puts the key on every request (Ollama's client has no key
// option) or removes the Authorization header when there is no key, and
// turns an HTTP error status into an *HTTPError. langchaingo's Ollama client
// reports a 500 with an empty body as success with no text, and one with a
// text body as a JSON syntax error.
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
// client, which replaces any net.Error (as *url.Error is) with "network
// error: failed to reach API server", losing "connection refused" and the
// HTTP status.
type causeDoer struct{ c *http.Client }

func (d causeDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return resp, nil
}

package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"policybot/bot"
	"policybot/bot/convlog"
)

// The OpenAI-compatible endpoint lets existing chat clients and SDKs talk
// to the bot: POST /v1/chat/completions, streaming or not. The messages the
// client sends are the conversation: the bot answers the last user message,
// with the earlier user messages as its history (so follow-ups work for any
// client, whatever the server remembers). The reply's content ends with the
// sources (title, article, department, link), and the response carries them
// structured too: "citations" (a list of URLs, as some clients expect) and
// "policybot" (the same fields as /api/chat).

// openAIModel is the one model the endpoint offers.
const openAIModel = "policybot"

type oaiRequest struct {
	Model         string       `json:"model"`
	Messages      []oaiMessage `json:"messages"`
	Stream        bool         `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

type oaiMessage struct {
	Role    string     `json:"role"`
	Content oaiContent `json:"content"`
}

// oaiContent is a message's content: a string, or a list of parts of
// which the text ones are kept.
type oaiContent string

func (c *oaiContent) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err == nil {
		if s != nil {
			*c = oaiContent(*s)
		}
		return nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(b, &parts); err != nil {
		return errors.New("content must be a string or a list of parts")
	}
	var texts []string
	for _, p := range parts {
		if p.Type == "text" {
			texts = append(texts, p.Text)
		}
	}
	*c = oaiContent(strings.Join(texts, "\n"))
	return nil
}

type oaiChoice struct {
	Index        int        `json:"index"`
	Message      *oaiOutMsg `json:"message,omitempty"`
	Delta        *oaiOutMsg `json:"delta,omitempty"`
	FinishReason *string    `json:"finish_reason"`
}

type oaiOutMsg struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

type oaiUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type oaiExtension struct {
	ConversationID string         `json:"conversation_id"`
	MessageID      string         `json:"message_id"`
	Refused        bool           `json:"refused"`
	Notice         string         `json:"notice,omitempty"`
	Replaced       bool           `json:"replaced"`
	Citations      []citationJSON `json:"citations"`
	replyKind
}

type oaiResponse struct {
	ID        string        `json:"id"`
	Object    string        `json:"object"`
	Created   int64         `json:"created"`
	Model     string        `json:"model"`
	Choices   []oaiChoice   `json:"choices"`
	Usage     *oaiUsage     `json:"usage,omitempty"`
	Citations []string      `json:"citations,omitempty"`
	PolicyBot *oaiExtension `json:"policybot,omitempty"`
}

// maxOpenAIBody bounds a completion request, history included.
const maxOpenAIBody = 1 << 20

// lastUserMessage returns the question (the last message, which must be
// the user's), the first user message, which names the chat, and the
// earlier user messages as the conversation's turns, oldest first (never
// nil: an empty history means a new chat).
func lastUserMessage(ms []oaiMessage) (question, first string, history []convlog.Turn, err error) {
	if len(ms) == 0 {
		return "", "", nil, errInvalid("messages is empty.", "messages 为空。")
	}
	last := ms[len(ms)-1]
	if last.Role != "user" {
		return "", "", nil, errInvalid(`The last message must have role "user".`, `最后一条消息的 role 必须是 "user"。`)
	}
	history = []convlog.Turn{}
	for _, m := range ms[:len(ms)-1] {
		if m.Role != "user" {
			continue
		}
		if first == "" {
			first = string(m.Content)
		}
		if q := strings.TrimSpace(string(m.Content)); q != "" {
			history = append(history, convlog.Turn{Question: truncateRunes(q, bot.MaxMessageRunes)})
		}
	}
	if first == "" {
		first = string(last.Content)
	}
	return string(last.Content), first, history, nil
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// openAIConversation names the bot's conversation for a chat that an
// OpenAI client keeps itself. The client resends the whole chat every time,
// so the same client (address and key) and the same first question mean
// the same chat: the bot then sees its earlier turns and resolves
// follow-ups. A client that knows better sends X-Conversation-Id.
func openAIConversation(r *http.Request, client, first string) string {
	if id := r.Header.Get("X-Conversation-Id"); id != "" {
		return id
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s", client, r.Header.Get("Authorization"), strings.TrimSpace(first))
	return "oai-" + hex.EncodeToString(h.Sum(nil)[:12])
}

// hedgeLabel marks the citations of a hedged reply in every channel.
const hedgeLabel = "可能相关的条款（未必完全对应您的问题） Possibly related provisions (they may not match your question exactly)"

// sourcesText is the end of the reply's content: where the answer comes
// from (marked as possibly related for a hedge; none for a route or a
// refusal), the choices of a clarifying reply as lines to copy, and the
// notice. A chat client has no buttons.
func sourcesText(k replyKind, cs []citationJSON, notice string) string {
	var b strings.Builder
	if len(k.Choices) > 0 {
		b.WriteString("\n\n您可以这样问 You can ask:")
		for i, c := range k.Choices {
			fmt.Fprintf(&b, "\n%d. %s", i+1, c.Message)
		}
	}
	if k.Mode == bot.ModeRoute || k.Mode == bot.ModeRefuse {
		cs = nil
	}
	if len(cs) > 0 {
		if k.Mode == bot.ModeHedge {
			b.WriteString("\n\n" + hedgeLabel + ":")
		} else {
			b.WriteString("\n\n来源 Sources:")
		}
		for i, c := range cs {
			fmt.Fprintf(&b, "\n[%d] 《%s》%s", i+1, c.Title, c.Label)
			if c.Department != "" {
				fmt.Fprintf(&b, "（%s）", c.Department)
			}
			fmt.Fprintf(&b, " %s", c.URL)
		}
	}
	if notice != "" {
		b.WriteString("\n\n" + notice)
	}
	return b.String()
}

func ptr[T any](v T) *T { return &v }

// handleOpenAIChat answers POST /v1/chat/completions.
func handleOpenAIChat(a *asker, base baseURL, client clientFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req oaiRequest
		if err := decodeJSON(w, r, maxOpenAIBody, &req); err != nil {
			writeError(w, r, a.log, err)
			return
		}
		question, first, history, err := lastUserMessage(req.Messages)
		if err != nil {
			writeError(w, r, a.log, err)
			return
		}
		// Checked here too so that a stream is refused with a status.
		if question, err = bot.CheckMessage(question); err != nil {
			writeError(w, r, a.log, err)
			return
		}
		conv := openAIConversation(r, client(r), first)
		if conv != "" {
			if err := convlog.CheckConversationID(conv); err != nil {
				writeError(w, r, a.log, err)
				return
			}
		}
		created := a.now().Unix()
		if !req.Stream {
			res, err := a.askWith(r.Context(), convlog.ChannelOpenAI, bot.Request{ConversationID: conv, Message: question, History: history}, nil)
			if err != nil {
				writeError(w, r, a.log, err)
				return
			}
			cites := citationsJSON(base(r), res.Citations)
			content := res.Text + sourcesText(kindOf(res.Answer), cites, res.Notice)
			w.Header().Set("X-Conversation-Id", res.ConversationID)
			writeJSON(w, http.StatusOK, oaiResponse{
				ID: "chatcmpl-" + res.MessageID, Object: "chat.completion", Created: created, Model: openAIModel,
				Choices: []oaiChoice{{Message: &oaiOutMsg{Role: "assistant", Content: &content}, FinishReason: ptr("stop")}},
				Usage:   &oaiUsage{}, Citations: urlsOf(cites), PolicyBot: extension(res, cites),
			})
			return
		}
		sse := newSSE(w)
		// The id must be the same in every chunk, before the message has one.
		id := "chatcmpl-" + a.newID()
		chunk := func(delta *oaiOutMsg, finish *string) oaiResponse {
			return oaiResponse{ID: id, Object: "chat.completion.chunk", Created: created, Model: openAIModel,
				Choices: []oaiChoice{{Delta: delta, FinishReason: finish}}}
		}
		w.Header().Set("X-Conversation-Id", conv)
		var once sync.Once
		role := func() { _ = sse.Event("", chunk(&oaiOutMsg{Role: "assistant", Content: ptr("")}, nil)) }
		// Deltas are checked sentences; when one fails, the notice and the
		// offline answer follow as further deltas (nothing is taken back).
		res, err := a.askWith(r.Context(), convlog.ChannelOpenAI, bot.Request{ConversationID: conv, Message: question, History: history}, func(d string) {
			once.Do(role)
			_ = sse.Event("", chunk(&oaiOutMsg{Content: ptr(d)}, nil))
		})
		if err != nil && !sse.Started() {
			writeError(w, r, a.log, err)
			return
		}
		once.Do(role)
		if err != nil {
			a.log.Warn("stream failed", "err", err)
			_ = sse.Event("", openAIError(err))
			return
		}
		cites := citationsJSON(base(r), res.Citations)
		if tail := sourcesText(kindOf(res.Answer), cites, res.Notice); tail != "" {
			_ = sse.Event("", chunk(&oaiOutMsg{Content: ptr(tail)}, nil))
		}
		last := chunk(&oaiOutMsg{}, ptr("stop"))
		last.Citations, last.PolicyBot = urlsOf(cites), extension(res, cites)
		_ = sse.Event("", last)
		if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
			u := chunk(nil, nil)
			u.Choices, u.Usage = []oaiChoice{}, &oaiUsage{}
			_ = sse.Event("", u)
		}
		_ = sse.Data("[DONE]")
	})
}

func urlsOf(cs []citationJSON) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.URL)
	}
	return out
}

func extension(res answered, cites []citationJSON) *oaiExtension {
	return &oaiExtension{ConversationID: res.ConversationID, MessageID: res.MessageID, Refused: res.Refused,
		Notice: res.Notice, Replaced: res.Replaced, Citations: cites, replyKind: kindOf(res.Answer)}
}

type oaiModel struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// theModel is the one model the endpoint offers.
var theModel = oaiModel{ID: openAIModel, Object: "model", Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), OwnedBy: "policybot"}

// handleOpenAIModels answers GET /v1/models, which clients call to list
// what they can choose.
func handleOpenAIModels() http.Handler {
	body := struct {
		Object string     `json:"object"`
		Data   []oaiModel `json:"data"`
	}{"list", []oaiModel{theModel}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, body)
	})
}

// handleOpenAIModel answers GET /v1/models/{id}, which clients call to
// check a model before they use it: the one model, or 404.
func handleOpenAIModel(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.PathValue("id"); id != openAIModel {
			writeError(w, r, log, &apiError{code: codeNotFound,
				en: "The model " + strconv.Quote(id) + " does not exist; the only model is " + strconv.Quote(openAIModel) + ".",
				zh: "模型 " + strconv.Quote(id) + " 不存在，可用的模型只有 " + strconv.Quote(openAIModel) + "。"})
			return
		}
		writeJSON(w, http.StatusOK, theModel)
	})
}

package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"policybot/bot"
	"policybot/bot/convlog"
)

// Answerer is what the server needs of the bot; *bot.Bot satisfies it.
type Answerer interface {
	// AskStream answers req, handing the text to onDelta as it is
	// produced. It refuses a message bot.CheckMessage refuses.
	AskStream(ctx context.Context, req bot.Request, onDelta func(string)) (bot.Answer, error)
}

var _ Answerer = (*bot.Bot)(nil)

// asker is the part of answering shared by the chat, stream and
// OpenAI-compatible endpoints: checks, the bot, metrics and the record.
type asker struct {
	bot       Answerer
	store     MessageLog
	log       *slog.Logger
	metrics   *metrics
	now       func() time.Time
	newID     func() string
	timeout   time.Duration
	generator bool
}

// MessageLog is what the server needs of the message log (a convlog.Store
// does it): it records every answer, and the feedback on it.
type MessageLog interface {
	SaveMessage(ctx context.Context, m convlog.Message) error
	// SaveFeedback refuses feedback on a message it does not have with
	// convlog.NoSuchMessage.
	SaveFeedback(ctx context.Context, f convlog.Feedback) error
}

// answered is one answered question.
type answered struct {
	bot.Answer
	MessageID string
}

// ask answers msg in the conversation (a new one when conv is empty) and
// records the message. A failure to record is logged, not returned: the
// company still gets its answer.
//
// The bot bounds the questions worked on at once and, separately, the
// model calls (see bot.Config.MaxConcurrent): a question that needs no
// model never waits for one that does.
func (a *asker) ask(ctx context.Context, channel convlog.Channel, conv, msg string, onDelta func(string)) (answered, error) {
	return a.askWith(ctx, channel, bot.Request{ConversationID: conv, Message: msg}, onDelta)
}

// askWith is ask for a request that may carry the client's history.
func (a *asker) askWith(ctx context.Context, channel convlog.Channel, req bot.Request, onDelta func(string)) (answered, error) {
	msg, conv := req.Message, req.ConversationID
	msg, err := bot.CheckMessage(msg)
	if err != nil {
		return answered{}, err
	}
	if conv != "" {
		if err := convlog.CheckConversationID(conv); err != nil {
			return answered{}, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	start := a.now()
	req.Message = msg
	ans, err := a.bot.AskStream(ctx, req, onDelta)
	if err != nil {
		return answered{}, err
	}
	latency := a.now().Sub(start)
	a.metrics.observeAnswer(channel, ans, a.generator)
	id := a.newID()
	// The record is kept even when the client has hung up meanwhile.
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer scancel()
	if err := a.store.SaveMessage(sctx, ans.Message(id, channel, msg, latency, a.now())); err != nil {
		a.log.Warn("message not saved", "message", id, "conversation", ans.ConversationID, "err", err)
	}
	return answered{Answer: ans, MessageID: id}, nil
}

// citationJSON is a citation as the API and the widget show it.
type citationJSON struct {
	Doc        string `json:"doc"`
	Article    int    `json:"article"`
	Label      string `json:"label"`
	Title      string `json:"title"`
	Department string `json:"department"`
	URL        string `json:"url"`
	Quote      string `json:"quote"`
}

// articleURL is the readable page of a document, at the article.
func articleURL(base, doc string, article int) string {
	return base + "/policies/" + url.PathEscape(doc) + "#article-" + strconv.Itoa(article)
}

func citationsJSON(base string, cs []convlog.Citation) []citationJSON {
	out := make([]citationJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, citationJSON{
			Doc: c.Doc, Article: c.Article, Label: c.Label, Title: c.Title,
			Department: c.Department, URL: articleURL(base, c.Doc, c.Article), Quote: c.Quote,
		})
	}
	return out
}

// choiceJSON is a suggestion offered with a clarifying reply: the widget
// shows Label on a button and sends Message when it is clicked.
type choiceJSON struct {
	Label   string `json:"label"`
	Message string `json:"message"`
}

// replyKind is what every channel says about the kind of reply: its mode
// (bot.Mode: answer, hedge, route, refuse, clarify or chat), the choices
// offered with it and the department a route reply sends the company to.
type replyKind struct {
	Mode    bot.Mode     `json:"mode"`
	Choices []choiceJSON `json:"choices"`
	RouteTo string       `json:"route_to,omitempty"`
}

func kindOf(a bot.Answer) replyKind {
	k := replyKind{Mode: a.Mode, Choices: []choiceJSON{}, RouteTo: a.RouteTo}
	if k.Mode == "" {
		// An answerer that does not say: a refusal or an answer.
		k.Mode = bot.ModeAnswer
		if a.Refused {
			k.Mode = bot.ModeRefuse
		}
	}
	for _, c := range a.Choices {
		if strings.TrimSpace(c.Message) == "" {
			continue
		}
		if c.Label == "" {
			c.Label = c.Message
		}
		k.Choices = append(k.Choices, choiceJSON{Label: c.Label, Message: c.Message})
	}
	return k
}

type chatRequest struct {
	Message        string `json:"message"`
	ConversationID string `json:"conversation_id"`
}

type chatResponse struct {
	ConversationID string         `json:"conversation_id"`
	MessageID      string         `json:"message_id"`
	Answer         string         `json:"answer"`
	Refused        bool           `json:"refused"`
	Notice         string         `json:"notice,omitempty"`
	Citations      []citationJSON `json:"citations"`
	replyKind
}

// maxChatBody bounds a chat request: 1,000 characters fit many times over,
// even written as \uXXXX escapes.
const maxChatBody = 64 << 10

// handleChat answers POST /api/chat with the whole answer at once.
func handleChat(a *asker, base baseURL) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req chatRequest
		if err := decodeJSON(w, r, maxChatBody, &req); err != nil {
			writeError(w, r, a.log, err)
			return
		}
		res, err := a.ask(r.Context(), convlog.ChannelChat, req.ConversationID, req.Message, nil)
		if err != nil {
			writeError(w, r, a.log, err)
			return
		}
		writeJSON(w, http.StatusOK, chatResponse{
			ConversationID: res.ConversationID, MessageID: res.MessageID, Answer: res.Text,
			Refused: res.Refused, Notice: res.Notice, Citations: citationsJSON(base(r), res.Citations),
			replyKind: kindOf(res.Answer),
		})
	})
}

type deltaEvent struct {
	Text string `json:"text"`
}

type doneEvent struct {
	ConversationID string `json:"conversation_id"`
	MessageID      string `json:"message_id"`
	Answer         string `json:"answer"`
	Refused        bool   `json:"refused"`
	Notice         string `json:"notice"`
	Replaced       bool   `json:"replaced"`
	replyKind
}

// handleChatStream answers POST /api/chat/stream as Server-Sent Events:
// delta events with the text as it is released, then citations, then done.
// A generated answer is released sentence by sentence, each checked first;
// when replaced is true, a sentence failed the check, the generated text
// stopped there, and the stream went on with a notice and the offline
// answer (done's answer), which the citations belong to. Nothing streamed
// is taken back. A failure before anything was streamed is an ordinary
// JSON error with its status; after, an error event.
func handleChatStream(a *asker, base baseURL) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req chatRequest
		if err := decodeJSON(w, r, maxChatBody, &req); err != nil {
			writeError(w, r, a.log, err)
			return
		}
		sse := newSSE(w)
		res, err := a.ask(r.Context(), convlog.ChannelStream, req.ConversationID, req.Message, func(d string) {
			_ = sse.Event("delta", deltaEvent{Text: d})
		})
		if err != nil {
			if !sse.Started() {
				writeError(w, r, a.log, err)
				return
			}
			_, code, en, zh := statusOf(err)
			a.log.Warn("stream failed", "err", err)
			_ = sse.Event("error", errorBody{Error: en, ErrorZh: zh, Code: code})
			return
		}
		if err := sse.Event("citations", citationsJSON(base(r), res.Citations)); err != nil {
			return
		}
		_ = sse.Event("done", doneEvent{
			ConversationID: res.ConversationID, MessageID: res.MessageID, Answer: res.Text,
			Refused: res.Refused, Notice: res.Notice, Replaced: res.Replaced, replyKind: kindOf(res.Answer),
		})
	})
}

type feedbackRequest struct {
	MessageID string `json:"message_id"`
	Rating    string `json:"rating"`
	Comment   string `json:"comment"`
}

// handleFeedback records POST /api/feedback: a rating of an answer.
func handleFeedback(store MessageLog, m *metrics, log *slog.Logger, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req feedbackRequest
		if err := decodeJSON(w, r, maxChatBody, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		f, err := convlog.Feedback{MessageID: req.MessageID, Rating: convlog.Rating(req.Rating), Comment: req.Comment, CreatedAt: now()}.Check()
		if err == nil {
			err = store.SaveFeedback(r.Context(), f)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		m.feedback.WithLabelValues(req.Rating).Inc()
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "message_id": req.MessageID, "rating": req.Rating})
	})
}

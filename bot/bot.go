// Package bot answers questions from the policy corpus: it resolves
// follow-ups against the conversation, retrieves the articles, decides
// whether the evidence is strong enough, and composes an answer that quotes
// the articles it cites — or says the corpus does not cover the question and
// who to ask.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"policybot/bot/convlog"
	"policybot/policies"
	"policybot/policies/fault"
	"policybot/policies/lang"
	"policybot/retrieval"
	"policybot/retrieval/query"
)

// Searcher finds the passages for a query; *retrieval.Index satisfies it.
type Searcher interface {
	Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error)
}

var _ Searcher = (*retrieval.Index)(nil)

// DefaultContact is who to ask when the corpus does not cover a question,
// unless POLICYBOT_CONTACT (Config.Contact) says otherwise: the bundled
// corpus's district hotline and departments.
const DefaultContact = "吴中区政务服务热线 12345，或对应主管部门（制造业：区工信局；商务：区商务局；文体旅：区文体旅局）"

// MaxMessageRunes is the longest question the bot takes.
const MaxMessageRunes = 1000

// The codes of the messages the bot refuses (fault.Error.Code), which
// CheckMessage returns.
const (
	CodeEmptyMessage   = "empty_message"    // fault.Invalid
	CodeNotUTF8        = "message_not_utf8" // fault.Invalid
	CodeMessageTooLong = "message_too_long" // fault.TooLarge
)

// CheckMessage returns msg as the bot takes it (without surrounding
// space), or the refusal that says which check failed: a *fault.Error with
// one of the codes above. Ask makes the same check; an adapter calls it
// first to refuse a message before it does anything else with it, and
// words the refusal its own way by its code when it must.
func CheckMessage(msg string) (string, error) {
	msg = strings.TrimSpace(msg)
	switch {
	case msg == "":
		return "", fault.New(fault.Invalid, CodeEmptyMessage, lang.T("The message is empty.", "消息为空，请输入问题。"))
	case !utf8.ValidString(msg):
		return "", fault.New(fault.Invalid, CodeNotUTF8, lang.T("The message is not valid UTF-8.", "消息不是有效的 UTF-8 文本。"))
	case utf8.RuneCountInString(msg) > MaxMessageRunes:
		return "", fault.New(fault.TooLarge, CodeMessageTooLong, lang.T(
			fmt.Sprintf("The message is longer than %d characters; please shorten it.", MaxMessageRunes),
			fmt.Sprintf("消息超过%d字，请精简后再问。", MaxMessageRunes)))
	}
	return msg, nil
}

// Config are the parts a Bot is made of.
type Config struct {
	Index    Searcher
	Rewriter *query.Rewriter
	// Conversations keeps the recent turns; nil means an in-memory store.
	Conversations convlog.Conversations
	// Contact is who to ask when the corpus has no answer; "" means
	// DefaultContact.
	Contact string
	// HomeRegion is the deployment's default scope, a canonical region
	// name of policies.DefaultRegions (吴中区): a question that names no
	// region is about the measures that apply there (its own and those of
	// the regions containing it, retrieval.Query.Region). "" means no
	// default region.
	HomeRegion string
	// Hygiene is the last check on every answer; nil means the default rules.
	Hygiene *policies.Hygiene
	Logger  *slog.Logger
	Now     func() time.Time
	// Generator writes answers with a language model; nil answers offline.
	Generator Generator
	// GeneratorTimeout bounds all model calls for one question (judging
	// the hedge band and answering together, LLM_DEADLINE); 0 means no
	// bound beyond the generator's own per attempt (LLM_TIMEOUT).
	GeneratorTimeout time.Duration
	// MaxConcurrent bounds the questions worked on at once (CPU work;
	// waiting for a model does not count); 0 means 2×GOMAXPROCS.
	// MaxGenerations bounds the model calls at once; 0 means
	// DefaultMaxGenerations. See model.go.
	MaxConcurrent  int
	MaxGenerations int
	// BreakerFailures consecutive model failures open the circuit breaker
	// for BreakerCooldown; 0 means the defaults.
	BreakerFailures int
	BreakerCooldown time.Duration
	// NewID makes conversation ids; nil means random ids.
	NewID func() string
	// Routes is the directory of who handles the questions the documents
	// do not answer; nil means the embedded one (routes.txt).
	Routes *Routes
}

// Bot answers questions. It is safe for concurrent use.
type Bot struct {
	cfg Config
	lim *limits
	// clauseCache holds the provisions of the articles seen, by text.
	clauseCache sync.Map
	clauseCount atomic.Int64
	// matchCache is the policy matcher's catalogue (match_catalog.go).
	matchCache catalogCache
}

// New returns a Bot.
func New(cfg Config) (*Bot, error) {
	if cfg.Index == nil {
		return nil, errors.New("bot: no index")
	}
	if cfg.Rewriter == nil {
		cfg.Rewriter = query.Default()
	}
	if cfg.Conversations == nil {
		cfg.Conversations = convlog.NewMemory(10000)
	}
	if cfg.Hygiene == nil {
		cfg.Hygiene = policies.DefaultHygiene()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = randomID
	}
	if cfg.Contact == "" {
		cfg.Contact = DefaultContact
	}
	if cfg.Routes == nil {
		cfg.Routes = DefaultRoutes()
	}
	lim := newLimits(&cfg)
	return &Bot{cfg: cfg, lim: lim}, nil
}

// Request is one question.
type Request struct {
	ConversationID string
	Message        string
	// History, when not nil, is the conversation as the client keeps it
	// (earlier questions, oldest first; an OpenAI-compatible client resends
	// them every time): it is used instead of the stored turns.
	History []convlog.Turn
}

// Mode says what kind of reply an Answer is, so that every channel can
// render it (the widget and Slack show Choices as buttons).
type Mode string

// The modes of a reply.
const (
	// ModeAnswer is a confident answer from the cited clause(s).
	ModeAnswer Mode = "answer"
	// ModeHedge gives the most related clauses (at most three), marked as
	// possibly not matching the question.
	ModeHedge Mode = "hedge"
	// ModeRoute says the corpus does not cover the question and names the
	// department that handles its topic (Answer.RouteTo).
	ModeRoute Mode = "route"
	// ModeRefuse says the corpus does not cover the question and gives the
	// general contact.
	ModeRefuse Mode = "refuse"
	// ModeClarify asks the user to narrow a vague question down, offering
	// Answer.Choices.
	ModeClarify Mode = "clarify"
	// ModeChat is a short reply to a greeting, thanks, a request for a
	// person, or a question about what the bot is and can do.
	ModeChat Mode = "chat"
)

// Choice is one suggestion offered with a clarifying reply: Label is shown
// on a button, Message is sent as the user's next question when it is
// chosen.
type Choice struct {
	Label   string `json:"label"`
	Message string `json:"message"`
}

// Answer is the bot's reply.
type Answer struct {
	ConversationID string
	Text           string
	// Mode is the kind of reply; Refused is true for ModeRoute and
	// ModeRefuse.
	Mode    Mode
	Refused bool
	// Choices are offered with ModeClarify (and may be with ModeChat).
	Choices []Choice
	// RouteTo names the department a ModeRoute reply sends the company to.
	RouteTo string
	// Notice is a short line shown beside the answer (e.g. that a cited
	// document is a sample text).
	Notice    string
	Citations []convlog.Citation
	// Retrieved are the passages found, best first (for evaluation and logs).
	Retrieved []retrieval.Hit
	// Query is the question as it was searched (after follow-up resolution).
	Query string
	// Topic is what a follow-up in the same conversation continues (the
	// question and the topic it continued); "" when the turn carries none
	// (a greeting, a refusal, a clarifying question). Channels that keep
	// the conversation themselves (Slack threads) store it as the turn's
	// Resolved.
	Topic string
	// Replaced reports that a streamed generated answer was stopped by the
	// guardrail after checked sentences of it were streamed: the stream
	// went on with a line saying why and the offline answer, which is
	// Text. Nothing streamed is withdrawn.
	Replaced bool
	// Generated reports that a language model wrote Text.
	Generated bool
	// Fallback reports that a configured model failed or was overruled by
	// the guardrail, and Text is the offline answer.
	Fallback bool
}

// Message is the answer as the message log keeps it, whatever the
// channel: the question as asked, the message id the channel gave it (its
// feedback names it), and how long answering took (0 when the channel did
// not measure it).
func (a Answer) Message(id string, channel convlog.Channel, question string, latency time.Duration, at time.Time) convlog.Message {
	return convlog.Message{
		ID: id, ConversationID: a.ConversationID, Channel: channel, Question: question,
		Answer: a.Text, Refused: a.Refused, Notice: a.Notice, Generated: a.Generated, Replaced: a.Replaced,
		Citations: a.Citations, Latency: latency, CreatedAt: at,
	}
}

// streamText hands an already complete text to onDelta in short pieces, so
// offline answers stream like generated ones.
func streamText(text string, onDelta func(string)) {
	const piece = 24 // runes
	rs := []rune(text)
	for i := 0; i < len(rs); i += piece {
		onDelta(string(rs[i:min(i+piece, len(rs))]))
	}
}

// SampleNotice is shown with every answer that cites a sample document.
const SampleNotice = "提示：所引文件为示例文本，仅供演示，正式条款以区政府正式印发文件为准。"

// Ask answers one question. It refuses a message CheckMessage refuses,
// with the same *fault.Error; other errors come from the index.
func (b *Bot) Ask(ctx context.Context, req Request) (Answer, error) {
	return b.AskStream(ctx, req, nil)
}

// AskStream is Ask that also hands the answer text to onDelta piece by
// piece as it is produced (a generated answer sentence by sentence, each
// checked before it is handed on; an offline answer in a few pieces). If a
// sentence fails the guardrail, the generated text stops there and the
// offline answer follows after a line saying why (Answer.Replaced).
// onDelta may be nil.
func (b *Bot) AskStream(ctx context.Context, req Request, onDelta func(string)) (Answer, error) {
	msg, err := CheckMessage(req.Message)
	if err != nil {
		return Answer{}, err
	}
	ctx, release, err := b.enterCPU(ctx)
	if err != nil {
		return Answer{}, err
	}
	defer release()
	convID := req.ConversationID
	if convID == "" {
		convID = b.cfg.NewID()
	}
	history, err := b.cfg.Conversations.Recent(ctx, convID, 4)
	if err != nil {
		b.cfg.Logger.Warn("conversation history unavailable", "conversation", convID, "err", err)
		history = nil
	}
	if req.History != nil {
		history = b.resolveHistory(ctx, req.History, 4)
	}
	streamed := false
	var deltas func(string)
	if onDelta != nil {
		deltas = func(s string) { streamed = true; onDelta(s) }
	}
	ans, topic, err := b.answer(ctx, msg, history, deltas)
	if err != nil {
		return Answer{}, err
	}
	switch {
	case onDelta == nil || ans.Generated:
	case streamed:
		// Checked sentences of a generated answer were streamed, then the
		// offline answer after them (see generate).
		ans.Replaced = true
	default:
		streamText(ans.Text, onDelta)
	}
	ans.ConversationID, ans.Topic = convID, topic
	turn := convlog.Turn{Question: msg, Resolved: topic, Refused: ans.Refused, At: b.cfg.Now()}
	if len(ans.Citations) > 0 {
		turn.Doc, turn.Article = ans.Citations[0].Doc, ans.Citations[0].Article
	}
	if err := b.cfg.Conversations.Append(ctx, convID, turn); err != nil {
		b.cfg.Logger.Warn("conversation not saved", "conversation", convID, "err", err)
	}
	return ans, nil
}

func citationOf(c retrieval.Chunk, quote string) convlog.Citation {
	return convlog.Citation{
		Doc: c.DocID, Article: c.Article, Label: c.Label, Title: c.DocTitle,
		Department: c.Department, Quote: quote, Sample: c.Sample,
	}
}

var oldDocRE = regexp.MustCompile(`已失效|已废止|失效的|过期|旧版|旧政策|以前的政策|原来的政策|历年`)

// asksAboutOldDocuments reports whether the question is about expired or
// retired documents, which are otherwise not cited.
func asksAboutOldDocuments(q string) bool { return oldDocRE.MatchString(q) }

package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"policybot/bot/convlog"
	"policybot/policies/norm"
	"policybot/retrieval"
)

// Passage is one numbered passage given to a generator: [N] in the prompt
// and in the generated answer's citations.
type Passage struct {
	N        int
	Citation convlog.Citation
	// Text is the full article text the passage quotes from.
	Text string
}

// GenerateRequest is what a generator answers from.
type GenerateRequest struct {
	Question string
	// History is the recent turns of the conversation, oldest first.
	History []convlog.Turn
	// Passages are the only allowed sources, numbered from 1.
	Passages []Passage
	// English asks for an answer in English.
	English bool
	// OnToken, when set, receives the answer as it is generated.
	OnToken func(string)
}

// Generator writes an answer from passages with a language model. The
// adapters live outside the core (package llm); the bot checks every
// generated answer in code (see guard.go) before it reaches a user.
type Generator interface {
	// Generate returns the answer text, citing passages as [N]. It returns
	// an error for a timeout, an unreachable server, an HTTP error or an
	// empty reply.
	Generate(ctx context.Context, req GenerateRequest) (string, error)
	// Condense rewrites a follow-up question into a standalone one using
	// the history.
	Condense(ctx context.Context, history []convlog.Turn, question string) (string, error)
	// Name identifies the backend and model for logs and notices.
	Name() string
}

// generatedPassages is how many retrieved passages a model sees.
const generatedPassages = 3

// Notices of an offline answer given instead of a generated one: the model
// could not answer, or what it wrote failed the guard. Each is one line
// saying why, in the question's language.
const (
	GeneratorUnavailableNotice   = "智能生成服务暂不可用，以下为政策原文摘录。"
	GeneratorUnavailableNoticeEn = "The answer-writing service is unavailable; the policy text follows."
	GeneratorRejectedNotice      = "生成的答复有内容未能在所引政策原文中核实，已停止生成，以下为政策原文摘录。"
	GeneratorRejectedNoticeEn    = "Part of the generated answer could not be verified against the cited policy text, so it was stopped; the policy text follows."
)

func unavailableNotice(english bool) string {
	if english {
		return GeneratorUnavailableNoticeEn
	}
	return GeneratorUnavailableNotice
}

func rejectedNotice(english bool) string {
	if english {
		return GeneratorRejectedNoticeEn
	}
	return GeneratorRejectedNotice
}

// passagesOf numbers the first hits as the passages a model may cite.
func passagesOf(hits []retrieval.Hit) []Passage {
	var passages []Passage
	for i, h := range hits[:min(len(hits), generatedPassages)] {
		passages = append(passages, Passage{N: i + 1, Citation: citationOf(h.Chunk, h.Chunk.Text), Text: h.Chunk.Text})
	}
	return passages
}

// generate asks the model for an answer from the top passages and checks
// it. With onDelta set, the answer is released sentence by sentence as it
// is written, each sentence checked first (see checkedStream). On any
// failure — the model unreachable, slow, busy, its breaker open, empty, or
// a sentence that cites a passage it was not given, states a figure its
// passages do not or fails hygiene — the offline answer is returned
// instead with a one-line notice saying why, and a violation is logged with
// both texts. When checked sentences were already streamed, the notice and
// the offline answer are streamed after them and Answer.Replaced is set.
func (b *Bot) generate(ctx context.Context, msg string, history []convlog.Turn, english bool, hits []retrieval.Hit, offline Answer, onDelta func(string)) Answer {
	passages := passagesOf(hits)
	g := newGuard(b.cfg.Hygiene, passages)
	callCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	req := GenerateRequest{Question: msg, History: history, Passages: passages, English: english}
	var cs *checkedStream
	if onDelta != nil {
		cs = newCheckedStream(g, onDelta, func() { stop(errStopped) })
		req.OnToken = cs.write
	}
	var text string
	err := b.callModel(callCtx, func(ctx context.Context) error {
		var err error
		text, err = b.cfg.Generator.Generate(ctx, req)
		if err != nil && errors.Is(context.Cause(ctx), errStopped) {
			err = fmt.Errorf("%w: %w", errStopped, err)
		}
		return err
	})
	fallback := func(notice string) Answer {
		offline.Fallback = true
		if cs != nil && cs.releasedText() != "" {
			// Checked sentences are on the screen already: the offline
			// answer follows them, after the line that says why (which
			// is then not repeated in Notice).
			onDelta("\n\n" + notice + "\n\n")
			streamText(offline.Text, onDelta)
			offline.Replaced = true
			return offline
		}
		offline.Notice = joinNotice(notice, offline.Notice)
		return offline
	}
	switch {
	case err != nil && !errors.Is(err, errStopped):
		b.cfg.Logger.Warn("generator unavailable, answering offline", "generator", b.cfg.Generator.Name(), "err", err)
		return fallback(unavailableNotice(english))
	case cs != nil:
		if err == nil {
			err = cs.finish(text)
		} else {
			err = cs.finish("") // the reason the stream stopped
		}
	default:
		err = g.verify(text)
	}
	if err != nil {
		b.cfg.Logger.Warn("generated answer rejected by the guardrail", "err", err, "question", msg, "generated", text, "offline", offline.Text)
		return fallback(rejectedNotice(english))
	}
	ans := offline
	ans.Text, ans.Generated = strings.TrimSpace(text), true
	cited, _ := citations(norm.Fold(text))
	ans.Citations = nil
	sample := false
	for _, n := range cited {
		c := passages[n-1].Citation
		// Quote the sentence the generated answer draws on.
		c.Quote = selectQuote(c.Quote, text, msg)
		ans.Citations = append(ans.Citations, c)
		sample = sample || c.Sample
	}
	ans.Notice = ""
	if sample {
		ans.Notice = SampleNotice
	}
	return ans
}

// condense asks the model to make a follow-up standalone. It reports false
// when there is no model, no answered turn to lean on, the model fails, or
// the rewritten question brings in a topic that neither the conversation
// nor the message has (or drops the message's own): scope stays with the
// code, and the offline resolver is used then.
//
// The decision (decide.go) does not call it: follow-ups are resolved by
// the offline rules, which a rewrite could only second-guess at the cost
// of a model call. It is the scope-checked way in for a caller that wants
// a model's rewrite.
func (b *Bot) condense(ctx context.Context, history []convlog.Turn, msg string) (string, bool) {
	if b.cfg.Generator == nil || lastTopic(history) == nil {
		return "", false
	}
	var q string
	err := b.callModel(ctx, func(ctx context.Context) error {
		var err error
		q, err = b.cfg.Generator.Condense(ctx, history, msg)
		return err
	})
	q = strings.TrimSpace(q)
	if err != nil || q == "" || len([]rune(q)) > MaxMessageRunes {
		b.cfg.Logger.Warn("condense failed, using the offline resolver", "err", err)
		return "", false
	}
	var sources []string
	for _, t := range history {
		sources = append(sources, t.Question, t.Resolved)
	}
	if topic := newTopic(q, msg, sources); topic != "" {
		b.cfg.Logger.Warn("condensed question brings in a topic of its own, using the offline resolver", "question", msg, "condensed", q, "topic", topic)
		return "", false
	}
	return q, true
}

// newTopic returns words of condensed that neither the message nor the
// conversation has, or words of the message that condensed dropped; "" when
// the condensed question keeps to them. A word is a run of two or more
// content characters (Han, letters, digits; question words and particles
// excluded) none of whose neighbouring pairs is found in the other text.
func newTopic(condensed, msg string, conversation []string) string {
	src := norm.Fold(msg + "\n" + strings.Join(conversation, "\n"))
	if w := unexplained(norm.Fold(condensed), src); w != "" {
		return w
	}
	return unexplained(norm.Fold(msg), norm.Fold(condensed))
}

// topicFillers are characters of a question that carry no topic.
const topicFillers = "的了吗呢吧啊么是有在和与及或也就还都请问我们你您它这那哪些个什怎样多少几可以能会要想给对于关如何为为什么时候里上下中"

// unexplained returns the first run of two or more content characters of s
// in which no two neighbours appear together in src (a topic src does not
// have), or "".
func unexplained(s, src string) string {
	rs := []rune(s)
	content := func(r rune) bool {
		return (norm.IsHan(r) || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') && !strings.ContainsRune(topicFillers, r)
	}
	known := func(i int) bool { // rs[i] forms a pair found in src with a neighbour
		if i > 0 && content(rs[i-1]) && strings.Contains(src, string(rs[i-1:i+1])) {
			return true
		}
		return i+1 < len(rs) && content(rs[i+1]) && strings.Contains(src, string(rs[i:i+2]))
	}
	run := 0
	for i, r := range rs {
		if !content(r) || known(i) {
			run = 0
			continue
		}
		run++
		if run >= 2 {
			j := i + 1
			for j < len(rs) && content(rs[j]) && !known(j) {
				j++
			}
			return string(rs[i-run+1 : j])
		}
	}
	return ""
}

func joinNotice(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + " " + b
}

// Coverage is a language model's verdict on whether passages answer a
// question.
type Coverage int

// The verdicts of judgeHedge.
const (
	// CoverageUnknown: no model, the model failed or its breaker is open,
	// or its reply was not a verdict. The offline decision stands.
	CoverageUnknown Coverage = iota
	// Covered: a passage answers the question.
	Covered
	// NotCovered: the passages do not answer it.
	NotCovered
)

func (c Coverage) String() string {
	switch c {
	case Covered:
		return "covered"
	case NotCovered:
		return "not covered"
	}
	return "unknown"
}

// JudgeRequest is what a Judge decides on.
type JudgeRequest struct {
	Question string
	// History is the recent turns of the conversation, oldest first.
	History []convlog.Turn
	// Passages are numbered from 1.
	Passages []Passage
}

// Judge is what a Generator may also do: say whether the passages answer
// a question ("covered / not covered"). The llm adapters implement it.
type Judge interface {
	// Judge reports whether one of the passages answers the question and,
	// if so, its number. Errors are as Generate's (timeout, unreachable,
	// HTTP error, a reply that is not a verdict).
	Judge(ctx context.Context, req JudgeRequest) (covered bool, passage int, err error)
}

// judgeArticle is judgeHedge for the ranked articles of a question: hits
// are in ranked order (reorder), and a Covered verdict comes with the
// article of the passage judged to answer. A passage outside arts leaves
// the verdict CoverageUnknown.
func (b *Bot) judgeArticle(ctx context.Context, question string, history []convlog.Turn, hits []retrieval.Hit, arts []*article) (Coverage, *article) {
	v, i := b.judgeHedge(ctx, question, history, hits)
	if v != Covered {
		b.cfg.Logger.Debug("hedge judged by the model", "question", question, "verdict", v)
		return v, nil
	}
	key := fmt.Sprintf("%s#%d", hits[i].Chunk.DocID, hits[i].Chunk.Article)
	b.cfg.Logger.Debug("hedge judged by the model", "question", question, "verdict", v, "article", key)
	for _, a := range arts {
		if a.key() == key {
			return Covered, a
		}
	}
	return CoverageUnknown, nil
}

// judgeHedge lets the model decide a question of the hedge band — one the
// offline evidence neither clearly answers nor clearly refuses — from the
// top passages: covered or not covered. It returns Covered and
// the index in hits of the passage that answers, NotCovered, or
// CoverageUnknown (no Judge, a failed call, an open breaker, a passage
// number that was not given): the caller then keeps its hedge.
//
// The caller decides when to ask: the decision (decide.go, through
// judgeArticle) asks only in the hedge band, never for a clear answer or a
// clear refusal (scope stays with the code), and only with a generator
// configured. A Covered verdict makes the reply an answer from hits[i]'s
// article; the answer still goes through generate and its guard.
func (b *Bot) judgeHedge(ctx context.Context, question string, history []convlog.Turn, hits []retrieval.Hit) (Coverage, int) {
	j, ok := b.cfg.Generator.(Judge)
	if !ok || len(hits) == 0 {
		return CoverageUnknown, 0
	}
	passages := passagesOf(hits)
	var covered bool
	var n int
	err := b.callModel(ctx, func(ctx context.Context) error {
		var err error
		covered, n, err = j.Judge(ctx, JudgeRequest{Question: question, History: history, Passages: passages})
		return err
	})
	switch {
	case err != nil:
		b.cfg.Logger.Warn("hedge not judged by the model", "err", err)
		return CoverageUnknown, 0
	case !covered:
		return NotCovered, 0
	case n < 1 || n > len(passages):
		b.cfg.Logger.Warn("model judged a passage that was not given covering", "passage", n, "given", len(passages))
		return CoverageUnknown, 0
	}
	return Covered, n - 1
}

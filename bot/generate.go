package bot

import (
	"context"
	"strings"

	"policybot/policies/norm"
	"policybot/retrieval"
)

// Passage is one numbered passage given to a generator: [N] in the prompt
// and in the generated answer's citations.
type Passage struct {
	N        int
	Citation Citation
	// Text is the full article text the passage quotes from.
	Text string
}

// GenerateRequest is what a generator answers from.
type GenerateRequest struct {
	Question string
	// History is the recent turns of the conversation, oldest first.
	History []Turn
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
	Condense(ctx context.Context, history []Turn, question string) (string, error)
	// Name identifies the backend and model for logs and notices.
	Name() string
}

// generatedPassages is how many retrieved passages a model sees.
const generatedPassages = 3

// GeneratorUnavailableNotice is shown when a configured model could not
// answer and the offline answer is given instead.
const GeneratorUnavailableNotice = "智能生成服务暂不可用，以下为政策原文摘录。"

// generate asks the model for an answer from the top passages and checks
// it. On any failure — the model unreachable, slow, empty, or an answer
// that cites a passage it was not given or states a figure its passages do
// not — the offline answer is returned instead, and a violation is logged
// with both texts.
func (b *Bot) generate(ctx context.Context, msg string, history []Turn, english bool, hits []retrieval.Hit, offline Answer, onDelta func(string)) Answer {
	var passages []Passage
	for i, h := range hits[:min(len(hits), generatedPassages)] {
		passages = append(passages, Passage{N: i + 1, Citation: citationOf(h.Chunk, h.Chunk.Text), Text: h.Chunk.Text})
	}
	text, err := b.cfg.Generator.Generate(ctx, GenerateRequest{Question: msg, History: history, Passages: passages, English: english, OnToken: onDelta})
	if err == nil {
		err = newGuard(b.cfg.Hygiene, passages).verify(text)
		if err != nil {
			b.cfg.Logger.Warn("generated answer rejected by the guardrail", "err", err, "question", msg, "generated", text, "offline", offline.Text)
			offline.Fallback = true
			return offline
		}
		if !b.cfg.Hygiene.Clean(text) {
			b.cfg.Logger.Error("generated answer blocked by hygiene check", "generated", text)
			offline.Fallback = true
			return offline
		}
	} else {
		b.cfg.Logger.Warn("generator unavailable, answering offline", "generator", b.cfg.Generator.Name(), "err", err)
		offline.Fallback = true
		offline.Notice = joinNotice(GeneratorUnavailableNotice, offline.Notice)
		return offline
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
// when there is no model, no history, or the model fails — the offline
// resolver is used then.
func (b *Bot) condense(ctx context.Context, history []Turn, msg string) (string, bool) {
	if b.cfg.Generator == nil || lastTopic(history) == nil {
		return "", false
	}
	q, err := b.cfg.Generator.Condense(ctx, history, msg)
	q = strings.TrimSpace(q)
	if err != nil || q == "" || len([]rune(q)) > MaxMessageRunes {
		b.cfg.Logger.Warn("condense failed, using the offline resolver", "err", err)
		return "", false
	}
	return q, true
}

func joinNotice(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + " " + b
}

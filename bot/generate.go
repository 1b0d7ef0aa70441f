package bot

import (
	"context"
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

package web

import (
	"context"
	"errors"
	"time"

	"policybot/bot"
)

// ErrNotFound is returned by a Store for an unknown message.
var ErrNotFound = errors.New("not found")

// Store keeps what the server must remember: the turns the bot reads back
// for follow-up questions (bot.ConversationStore), every answered message and
// the companies' feedback on them. The SQLite store (package store)
// implements it, and so does the PostgreSQL one; both run the same test
// suite (store/storetest).
type Store interface {
	bot.ConversationStore
	// SaveMessage records an answered question, creating its conversation
	// when needed. Saving an id twice is an error.
	SaveMessage(ctx context.Context, m Message) error
	// Message returns a saved message with its feedback; it returns an
	// error wrapping ErrNotFound for an unknown id.
	Message(ctx context.Context, id string) (Message, error)
	// SaveFeedback records a rating of a message, replacing an earlier
	// rating of the same message; it returns an error wrapping ErrNotFound
	// when the message is unknown.
	SaveFeedback(ctx context.Context, f Feedback) error
}

// Message is one question and the answer it got.
type Message struct {
	ID             string
	ConversationID string
	// Channel is where the question came from: ChannelChat, ChannelStream
	// or ChannelOpenAI.
	Channel   string
	Question  string
	Answer    string
	Refused   bool
	Notice    string
	Generated bool
	Replaced  bool
	Citations []bot.Citation
	// Latency is how long answering took.
	Latency   time.Duration
	CreatedAt time.Time
	// Feedback is the latest rating of the message, nil when none (filled
	// by Store.Message only).
	Feedback *Feedback
}

// The channels a message can come from.
const (
	ChannelChat   = "chat"
	ChannelStream = "stream"
	ChannelOpenAI = "openai"
)

// Feedback is a company's rating of an answer.
type Feedback struct {
	MessageID string
	// Rating is RatingUp or RatingDown.
	Rating    string
	Comment   string
	CreatedAt time.Time
}

// The ratings a Feedback can have.
const (
	RatingUp   = "up"
	RatingDown = "down"
)

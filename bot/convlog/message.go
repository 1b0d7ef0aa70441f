package convlog

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"policybot/policies/fault"
	"policybot/policies/lang"
)

// Citation is one clause an answer cites.
type Citation struct {
	Doc        string `json:"doc"`
	Article    int    `json:"article"`
	Label      string `json:"label"`
	Title      string `json:"title"`
	Department string `json:"department"`
	Quote      string `json:"quote"`
	Sample     bool   `json:"sample"`
}

// Channel is where a question came from.
type Channel string

// The channels.
const (
	ChannelChat   Channel = "chat"   // the web chat, POST /api/chat
	ChannelStream Channel = "stream" // the web chat's stream, POST /api/chat/stream
	ChannelOpenAI Channel = "openai" // POST /v1/chat/completions
	ChannelSlack  Channel = "slack"
)

// Message is one question and the answer it got.
type Message struct {
	ID             string
	ConversationID string
	Channel        Channel
	Question       string
	Answer         string
	Refused        bool
	Notice         string
	Generated      bool
	Replaced       bool
	Citations      []Citation
	// Latency is how long answering took (0 when the channel did not
	// measure it).
	Latency   time.Duration
	CreatedAt time.Time
	// Feedback is the latest rating of the message, nil when none (filled
	// by Store.Message only).
	Feedback *Feedback
}

// Rating is a company's verdict on an answer.
type Rating string

// The ratings.
const (
	RatingUp   Rating = "up"
	RatingDown Rating = "down"
)

// MaxCommentRunes bounds a feedback comment.
const MaxCommentRunes = 2000

// Feedback is a company's rating of an answer, from any channel (the
// widget's 👍/👎 with a comment, Slack's buttons).
type Feedback struct {
	MessageID string
	Rating    Rating
	Comment   string
	// CreatedAt is when it was given; zero means when it is stored.
	CreatedAt time.Time
}

// The codes of the log's refusals (fault.Error.Code).
const (
	CodeNoMessageID     = "no_message_id"    // fault.Invalid: feedback that names no message
	CodeBadRating       = "bad_rating"       // fault.Invalid
	CodeCommentTooLong  = "comment_too_long" // fault.TooLarge
	CodeNoSuchMessage   = "no_such_message"  // fault.NotFound: feedback on a message not in the log
	CodeBadConversation = "bad_conversation" // fault.Invalid: a client's conversation id
)

// Check returns f as it is stored (the comment without surrounding space),
// or the refusal that says which check failed. Store.SaveFeedback makes the
// same check.
func (f Feedback) Check() (Feedback, error) {
	f.Comment = strings.TrimSpace(f.Comment)
	switch {
	case f.MessageID == "":
		return f, fault.New(fault.Invalid, CodeNoMessageID, lang.T("message_id is required.", "缺少 message_id。"))
	case f.Rating != RatingUp && f.Rating != RatingDown:
		return f, fault.New(fault.Invalid, CodeBadRating, lang.T(`rating must be "up" or "down".`, `rating 只能是 "up" 或 "down"。`))
	case utf8.RuneCountInString(f.Comment) > MaxCommentRunes:
		return f, fault.New(fault.TooLarge, CodeCommentTooLong, lang.T(
			fmt.Sprintf("The comment is longer than %d characters.", MaxCommentRunes), fmt.Sprintf("评论超过%d字。", MaxCommentRunes)))
	}
	return f, nil
}

// NoSuchMessage is the refusal of feedback on message id, which the log
// does not have (it may predate the database).
func NoSuchMessage(id string) error {
	return fault.New(fault.NotFound, CodeNoSuchMessage, lang.T(fmt.Sprintf("There is no message %q.", id), "找不到该条回答，无法评价。"))
}

// Store is the conversation and message log. The SQLite and PostgreSQL
// stores (package store) implement it and pass store/storetest.Run.
type Store interface {
	Conversations
	// SaveMessage records an answered question, creating its conversation
	// when needed. Saving an id twice is an error.
	SaveMessage(ctx context.Context, m Message) error
	// Message returns a saved message with its latest feedback; for an
	// unknown id, an error wrapping fault.NotFound.
	Message(ctx context.Context, id string) (Message, error)
	// SaveFeedback records a rating of a message, replacing an earlier
	// rating of the same message. It refuses feedback Feedback.Check
	// refuses, and feedback on an unknown message with NoSuchMessage.
	SaveFeedback(ctx context.Context, f Feedback) error
}

// Question is a question the corpus may be missing: refused, or whose
// latest rating is down (corpus.Insights groups them).
type Question struct {
	MessageID string
	Text      string
	Refused   bool
	// Down reports a 👎 as the latest rating; Comment is its comment.
	Down    bool
	Comment string
	At      time.Time
}

// QuestionSource lists the questions the corpus did not answer well, from
// the messages and their feedback; the stores implement it beside Store.
type QuestionSource interface {
	// UnansweredQuestions returns at most limit questions asked at or after
	// since that were refused or whose latest rating is down (the latest
	// ones when there are more), oldest first.
	UnansweredQuestions(ctx context.Context, since time.Time, limit int) ([]Question, error)
}

// MatchRecord is one policy matching (政策匹配), kept for the officials'
// insights: what was understood of the company (without its free text)
// and what came of it.
type MatchRecord struct {
	ID string
	// Profile is the understood profile as JSON, without its free text.
	Profile []byte
	// Matched and Possible count the matches; Unknown are the conditions
	// left open.
	Matched, Possible int
	Unknown           []string
	TotalYuan         float64
	At                time.Time
}

// MatchLog keeps the matchings. The stores implement it beside Store;
// corpus.Service reads it through the QuestionSource it is given, when that
// store keeps matchings too.
type MatchLog interface {
	// SaveMatch records a matching; an error means it was not recorded.
	SaveMatch(ctx context.Context, r MatchRecord) error
	// Matches returns at most limit matchings made at or after since,
	// oldest first.
	Matches(ctx context.Context, since time.Time, limit int) ([]MatchRecord, error)
}

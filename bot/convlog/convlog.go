// Package convlog is the conversation and message log: the turns of each
// conversation the bot reads back to understand a follow-up, and every
// answered message (question, answer, citations) with the companies'
// feedback on it, from any channel (the web chat, its stream, the
// OpenAI-compatible API, Slack).
//
// It is a part of the core that imports nothing heavier than the
// project's error vocabulary: the types and the Store interface live here
// so that the stores (package store) implement them without importing the
// bot, its index (bleve) or any adapter, and so that web and slackbot
// record messages and feedback as the same values. The bot imports this
// package, not the other way round; bot.Answer.Message maps an answer to
// its Message, once for every channel.
package convlog

import (
	"container/list"
	"context"
	"regexp"
	"sync"
	"time"

	"policybot/policies/fault"
	"policybot/policies/lang"
)

// Turn is one question of a conversation and what it was resolved to.
type Turn struct {
	Question string
	// Resolved is the question as searched (a follow-up joined with the
	// turn it leans on).
	Resolved string
	Doc      string
	Article  int
	Refused  bool
	At       time.Time
}

// Conversations keeps the recent turns of conversations.
type Conversations interface {
	// Recent returns up to n last turns of the conversation, oldest first;
	// an unknown id has none (no error).
	Recent(ctx context.Context, id string, n int) ([]Turn, error)
	// Append adds a turn to the conversation, creating it when needed.
	Append(ctx context.Context, id string, t Turn) error
}

var conversationIDRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

// CheckConversationID refuses a conversation id a client chose that is
// not 1–128 letters, digits, '-', '_' or '.' (nor "." or "..", so that it
// can name a file too), with the code CodeBadConversation.
func CheckConversationID(id string) error {
	if !conversationIDRE.MatchString(id) || id == "." || id == ".." {
		return fault.New(fault.Invalid, CodeBadConversation, lang.T("conversation_id must be 1–128 letters, digits, '-', '_' or '.'.",
			"conversation_id 只能包含字母、数字和 - _ .，最长128个字符。"))
	}
	return nil
}

// Memory is Conversations in memory that forgets the least recently used
// conversations beyond its capacity.
type Memory struct {
	mu    sync.Mutex
	max   int
	order *list.List // of string ids, most recent first
	convs map[string]*memConv
}

type memConv struct {
	turns []Turn
	elem  *list.Element
}

var _ Conversations = (*Memory)(nil)

// MaxTurnsKept is how many turns a conversation kept in memory or in a
// file remembers.
const MaxTurnsKept = 20

// NewMemory keeps at most max conversations.
func NewMemory(max int) *Memory {
	return &Memory{max: max, order: list.New(), convs: map[string]*memConv{}}
}

// Recent implements Conversations.
func (m *Memory) Recent(_ context.Context, id string, n int) ([]Turn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.convs[id]
	if !ok {
		return nil, nil
	}
	t := c.turns
	if len(t) > n {
		t = t[len(t)-n:]
	}
	return append([]Turn(nil), t...), nil
}

// Append implements Conversations.
func (m *Memory) Append(_ context.Context, id string, t Turn) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.convs[id]
	if !ok {
		c = &memConv{elem: m.order.PushFront(id)}
		m.convs[id] = c
		for m.order.Len() > m.max {
			old := m.order.Back()
			m.order.Remove(old)
			delete(m.convs, old.Value.(string))
		}
	} else {
		m.order.MoveToFront(c.elem)
	}
	c.turns = append(c.turns, t)
	if len(c.turns) > MaxTurnsKept {
		c.turns = c.turns[len(c.turns)-MaxTurnsKept:]
	}
	return nil
}

package bot

import (
	"container/list"
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"
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

// ConversationStore keeps the recent turns of conversations. The web store
// (SQLite, PostgreSQL) implements it too.
type ConversationStore interface {
	// Recent returns up to n last turns of the conversation, oldest first;
	// an unknown id has none (no error).
	Recent(ctx context.Context, id string, n int) ([]Turn, error)
	// Append adds a turn to the conversation, creating it when needed.
	Append(ctx context.Context, id string, t Turn) error
}

// MemoryConversations is a ConversationStore in memory that forgets the
// least recently used conversations beyond its capacity.
type MemoryConversations struct {
	mu    sync.Mutex
	max   int
	order *list.List // of string ids, most recent first
	convs map[string]*memConv
}

type memConv struct {
	turns []Turn
	elem  *list.Element
}

var _ ConversationStore = (*MemoryConversations)(nil)

// maxTurnsKept is how many turns a conversation remembers.
const maxTurnsKept = 20

// NewMemoryConversations keeps at most max conversations.
func NewMemoryConversations(max int) *MemoryConversations {
	return &MemoryConversations{max: max, order: list.New(), convs: map[string]*memConv{}}
}

// Recent implements ConversationStore.
func (m *MemoryConversations) Recent(_ context.Context, id string, n int) ([]Turn, error) {
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

// Append implements ConversationStore.
func (m *MemoryConversations) Append(_ context.Context, id string, t Turn) error {
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
	if len(c.turns) > maxTurnsKept {
		c.turns = c.turns[len(c.turns)-maxTurnsKept:]
	}
	return nil
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// resolveHistory fills in what a client-kept history lacks — each turn's
// topic (Resolved), whether it was refused, and what it cited — by
// replaying the last n turns through the offline decision, as the bot
// would have answered them (no model is called).
func (b *Bot) resolveHistory(ctx context.Context, h []Turn, n int) []Turn {
	if len(h) > n {
		h = h[len(h)-n:]
	}
	offline := &Bot{cfg: b.cfg, lim: b.lim}
	offline.cfg.Generator = nil
	out := make([]Turn, 0, len(h))
	for _, t := range h {
		t.Question = strings.TrimSpace(t.Question)
		if t.Question == "" {
			continue
		}
		if t.Resolved == "" {
			ans, topic, err := offline.answer(ctx, t.Question, out, nil)
			if err == nil {
				t.Resolved, t.Refused = topic, ans.Refused
				if len(ans.Citations) > 0 {
					t.Doc, t.Article = ans.Citations[0].Doc, ans.Citations[0].Article
				}
			}
		}
		out = append(out, t)
	}
	return out
}

package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"policybot/bot/convlog"
	"strings"
)

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// resolveHistory fills in what a client-kept history lacks — each turn's
// topic (Resolved), whether it was refused, and what it cited — by
// replaying the last n turns through the offline decision, as the bot
// would have answered them (no model is called).
func (b *Bot) resolveHistory(ctx context.Context, h []convlog.Turn, n int) []convlog.Turn {
	if len(h) > n {
		h = h[len(h)-n:]
	}
	offline := &Bot{cfg: b.cfg, lim: b.lim}
	offline.cfg.Generator = nil
	out := make([]convlog.Turn, 0, len(h))
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

package bot

import (
	"context"
	"fmt"

	"policybot/policies"
	"policybot/retrieval"
)

// docScoper returns the scope of one document; *retrieval.Index and
// *retrieval.Live implement it.
type docScoper interface {
	ScopeOf(id string) (retrieval.DocScope, bool)
}

// statusOf is the status today of the document a chunk is from: repealed
// or expired when the document declares so (docScoper), else by its dates.
func (b *Bot) statusOf(c retrieval.Chunk) policies.Status {
	d := policies.Document{EffectiveFrom: c.EffectiveFrom, EffectiveTo: c.EffectiveTo}
	if s, ok := b.cfg.Index.(docScoper); ok {
		if sc, ok := s.ScopeOf(c.DocID); ok {
			d.Status = sc.Declared
		}
	}
	return d.StatusAt(b.cfg.Now())
}

// current returns the article of a measure in force that answers the
// question as best does, when best's measure is not in force (a past
// year's, one repealed or not yet in force): same category, same scope,
// as well covered. Nil when best's is in force or no measure in force
// answers.
func (b *Bot) current(ctx context.Context, q understood, anchors []anchor, in retrieval.Query, best *article) *article {
	if b.statusOf(best.chunk()) == policies.StatusInForce {
		return nil
	}
	in.Year, in.IncludeInactive = 0, false
	hits, err := b.cfg.Index.Search(ctx, in)
	if err != nil {
		b.cfg.Logger.Warn("search for the measure in force failed", "err", err)
		return nil
	}
	for _, a := range b.rank(hits, anchors, q) {
		c := a.chunk()
		if c.DocID == best.chunk().DocID || c.Category != best.chunk().Category {
			continue
		}
		if a.m.coverage() >= best.m.coverage()-0.05 && a.m.coverage() >= answerCoverage {
			return a
		}
		break
	}
	return nil
}

// outOfForce says that the cited measure does not apply today, with its
// dates, and where the measure in force (cur, when there is one) is
// quoted.
func outOfForce(q understood, c retrieval.Chunk, st policies.Status, cur *article) string {
	if q.english {
		what := map[policies.Status]string{policies.StatusExpired: "has expired", policies.StatusRepealed: "has been repealed",
			policies.StatusNotYet: "is not in force yet"}[st]
		s := fmt.Sprintf("Note: 《%s》%s %s; what follows is what it provided, not what applies today.",
			c.DocTitle, datesOf(c, " (in force from %s to %s)", " (in force from %s)"), what)
		if cur != nil {
			s += fmt.Sprintf(" The measure in force, 《%s》%s, is quoted second.", cur.chunk().DocTitle, datesOf(cur.chunk(), "", " (in force from %s)"))
		}
		return s
	}
	s := fmt.Sprintf("请注意：《%s》%s%s，以下是该文件当时的规定，不是现行规定。", c.DocTitle, datesOf(c, "（%s起施行，有效期至%s）", "（%s起施行）"), st.Label())
	if cur != nil {
		s += fmt.Sprintf("现行的《%s》%s对此的规定见下方“另据”。", cur.chunk().DocTitle, datesOf(cur.chunk(), "", "（%s起施行）"))
	}
	return s
}

// datesOf writes a chunk's document's dates: fromTo with both (when not
// ""), from with the first only; "" without.
func datesOf(c retrieval.Chunk, fromTo, from string) string {
	f, t := c.EffectiveFrom.String(), c.EffectiveTo.String()
	switch {
	case f != "" && t != "" && fromTo != "":
		return fmt.Sprintf(fromTo, f, t)
	case f != "":
		return fmt.Sprintf(from, f)
	}
	return ""
}

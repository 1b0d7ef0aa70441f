package bot

import (
	"context"
	"fmt"

	"policybot/policies"
	"policybot/retrieval"
)

// statusOf is the status today of the document a chunk is from: repealed
// or expired when the document declares so (Scoper), else by its dates.
func (b *Bot) statusOf(c retrieval.Chunk) policies.Status {
	d := policies.Document{EffectiveFrom: c.EffectiveFrom, EffectiveTo: c.EffectiveTo}
	if s, ok := b.cfg.Index.(Scoper); ok {
		for _, sc := range s.Scopes() {
			if sc.ID == c.DocID {
				d.Status = sc.Declared
				break
			}
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
	from, to := c.EffectiveFrom.String(), c.EffectiveTo.String()
	if q.english {
		dates := ""
		switch {
		case from != "" && to != "":
			dates = fmt.Sprintf(" (in force from %s to %s)", from, to)
		case from != "":
			dates = fmt.Sprintf(" (in force from %s)", from)
		}
		what := map[policies.Status]string{policies.StatusExpired: "has expired", policies.StatusRepealed: "has been repealed",
			policies.StatusNotYet: "is not in force yet"}[st]
		s := fmt.Sprintf("Note: 《%s》%s %s; what follows is what it provided, not what applies today.", c.DocTitle, dates, what)
		if cur != nil {
			c := cur.chunk()
			s += fmt.Sprintf(" The measure in force, 《%s》 (in force from %s), is quoted second.", c.DocTitle, c.EffectiveFrom.String())
		}
		return s
	}
	dates := ""
	switch {
	case from != "" && to != "":
		dates = fmt.Sprintf("（%s起施行，有效期至%s）", from, to)
	case from != "":
		dates = fmt.Sprintf("（%s起施行）", from)
	}
	s := fmt.Sprintf("请注意：《%s》%s%s，以下是该文件当时的规定，不是现行规定。", c.DocTitle, dates, st.Label())
	if cur != nil {
		c := cur.chunk()
		s += fmt.Sprintf("现行的《%s》（%s起施行）对此的规定见下方“另据”。", c.DocTitle, c.EffectiveFrom.String())
	}
	return s
}

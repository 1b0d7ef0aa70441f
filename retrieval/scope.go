package retrieval

import (
	"time"

	"policybot/policies"
)

// DocScope is what the index holds of one document's scope: where and when
// it applies. The bot lists them to say which regions and years the corpus
// covers when a question names one it does not.
type DocScope struct {
	ID       string
	Title    string
	Category policies.Category
	// Region is the canonical region name (吴中区, 苏州市, 江苏省, 全国); ""
	// when unknown. Level is its tier.
	Region string
	Level  policies.Level
	// Year is the year of the measure; 0 when unknown.
	Year                       int
	EffectiveFrom, EffectiveTo policies.Date
	// Declared is the status the document declares ("" for none); Status
	// is its status today by the index's clock (policies.Document.StatusAt).
	Declared policies.Status
	Status   policies.Status
	// Chunks is the number of chunks of the document.
	Chunks int
}

// Scopes returns the scope of every document of the index, in corpus
// order.
func (ix *Index) Scopes() []DocScope {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	now := ix.now()
	out := make([]DocScope, 0, len(ix.order))
	for _, id := range ix.order {
		out = append(out, scopeOf(ix.docs[id], now))
	}
	return out
}

// ScopeOf returns the scope of the document id; false when the index does
// not hold it.
func (ix *Index) ScopeOf(id string) (DocScope, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	e, ok := ix.docs[id]
	if !ok {
		return DocScope{}, false
	}
	return scopeOf(e, ix.now()), true
}

func scopeOf(e *docEntry, now time.Time) DocScope {
	d := e.doc
	return DocScope{
		ID: d.ID, Title: d.Title, Category: d.Category, Region: d.Region, Level: d.Level, Year: d.Year,
		EffectiveFrom: d.EffectiveFrom, EffectiveTo: d.EffectiveTo, Declared: d.Status, Status: d.StatusAt(now),
		Chunks: len(e.rows),
	}
}

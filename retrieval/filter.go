package retrieval

import "hash/maphash"

// filter is a Query's filters resolved against the documents. Every filter
// (category, document, region, year, in force on a day) is a property of a
// document, so a filter is a set of allowed documents.
type filter struct {
	// none is true when no document passes.
	none bool
	// allowed is indexed by docEntry.num; nil when every document passes.
	allowed []bool
	// include or exclude is the same set for the lexical search, as the
	// shorter list: include lists the allowed documents (nil: no such
	// filter), exclude the others.
	include, exclude []string
	// region is the canonical name of the query's region; "" for none.
	region string
}

func (f filter) allows(d *docEntry) bool { return f.allowed == nil || f.allowed[d.num] }

// filter resolves q's filters. The day is q.AsOf, or today by ix.now.
// ix.mu is held.
func (ix *Index) filter(q Query) filter {
	asOf := q.AsOf
	if asOf.IsZero() && !q.IncludeInactive {
		asOf = ix.now()
	}
	region := ""
	var applies map[string]bool // the regions whose documents apply in region
	if q.Region != "" {
		region = ix.regions.Canonical(q.Region)
		applies = map[string]bool{region: true, "": true}
		for _, a := range ix.regions.Ancestors(region) {
			applies[a] = true
		}
	}
	f := filter{region: region}
	allowed := make([]bool, len(ix.nums))
	var in, out []string
	for _, id := range ix.order {
		e := ix.docs[id]
		d := e.doc
		ok := (q.DocID == "" || d.ID == q.DocID) &&
			(q.Category == "" || d.Category == q.Category) &&
			(region == "" || applies[d.Region]) &&
			(q.Year == 0 || d.Year == q.Year) &&
			(q.IncludeInactive || d.InForce(asOf))
		if ok {
			allowed[e.num] = true
			in = append(in, id)
		} else {
			out = append(out, id)
		}
	}
	switch {
	case len(out) == 0:
		return f
	case len(in) == 0:
		f.none = true
		return f
	case len(in) <= len(out):
		f.include = in
	default:
		f.exclude = out
	}
	f.allowed = allowed
	return f
}

// key identifies the set of documents f allows, for the cache of DocFreq:
// two queries that allow the same documents (吴中 and 吴中区, two times of
// one day) share a key.
func (f filter) key() uint64 {
	var h maphash.Hash
	h.SetSeed(filterSeed)
	for _, ids := range [][]string{f.include, {"\x00"}, f.exclude} {
		for _, id := range ids {
			h.WriteString(id)
			h.WriteByte(0)
		}
	}
	return h.Sum64()
}

// filterSeed seeds filter.key: the keys live only as long as the process.
var filterSeed = maphash.MakeSeed()

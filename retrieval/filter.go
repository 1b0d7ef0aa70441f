package retrieval

// filter is a Query's filters resolved against the documents. Every filter
// (category, document, in force on a day) is a property of a document, so
// a filter is a set of allowed documents.
type filter struct {
	// none is true when no document passes.
	none bool
	// allowed is nil when every document passes.
	allowed map[string]bool
	// docIDs lists the allowed documents for the lexical search; nil when
	// every document passes.
	docIDs []string
	// where is the equality filter the vector store applies itself.
	where map[string]string
	// extra is the number of chunks that where keeps but allowed drops:
	// the vector search asks for that many more results.
	extra int
}

func (f filter) allows(docID string) bool { return f.allowed == nil || f.allowed[docID] }

// filter resolves q's filters. The day is q.AsOf, or today by ix.now.
func (ix *Index) filter(q Query) filter {
	asOf := q.AsOf
	if asOf.IsZero() && !q.IncludeInactive {
		asOf = ix.now()
	}
	var f filter
	switch {
	case q.DocID != "":
		f.where = map[string]string{metaDoc: q.DocID}
	case q.Category != "":
		f.where = map[string]string{metaCategory: string(q.Category)}
	}
	allowed := make(map[string]bool, len(ix.docs))
	all := true
	for _, d := range ix.docs {
		ok := (q.DocID == "" || d.doc.ID == q.DocID) &&
			(q.Category == "" || d.doc.Category == q.Category) &&
			(q.IncludeInactive || d.doc.InForce(asOf))
		if !ok {
			all = false
			inWhere := (q.DocID == "" || d.doc.ID == q.DocID) &&
				(q.DocID != "" || q.Category == "" || d.doc.Category == q.Category)
			if inWhere {
				f.extra += d.chunks
			}
			continue
		}
		allowed[d.doc.ID] = true
		f.docIDs = append(f.docIDs, d.doc.ID)
	}
	if all {
		f.docIDs = nil
		return f
	}
	f.allowed = allowed
	f.none = len(f.docIDs) == 0
	return f
}

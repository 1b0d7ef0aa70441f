package corpus

import (
	"sort"
	"strconv"

	"policybot/policies"
)

// Diff is what changed between two versions of a document, article by
// article (matched by number) and field by field of the front matter.
type Diff struct {
	// From and To are the version numbers compared; From is 0 when there
	// was no earlier version (every article is added).
	From, To int
	Added    []ArticleChange
	Removed  []ArticleChange
	Changed  []ArticleChange
	Fields   []FieldChange
}

// ArticleChange is one article added, removed or changed. Old is nil for
// an added article, New for a removed one.
type ArticleChange struct {
	Number int
	// Label is how the article is cited ("第6条"), in the newer version's
	// numbering.
	Label    string
	Old, New *policies.Article
}

// FieldChange is a front-matter field whose value changed.
type FieldChange struct {
	Field    string
	Old, New string
}

// Empty reports whether the versions are the same.
func (d Diff) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Changed) == 0 && len(d.Fields) == 0
}

// Compare returns the changes from before to after; before may be nil (a
// first version), and so may after (a version that did not parse:
// everything is removed).
func Compare(before, after *policies.Document) Diff {
	var d Diff
	label := func(n int) string {
		switch {
		case after != nil:
			return after.Label(n)
		case before != nil:
			return before.Label(n)
		}
		return "第" + strconv.Itoa(n) + "条"
	}
	was := map[int]*policies.Article{}
	if before != nil {
		for i := range before.Articles {
			was[before.Articles[i].Number] = &before.Articles[i]
		}
	}
	is := map[int]*policies.Article{}
	if after != nil {
		for i := range after.Articles {
			a := &after.Articles[i]
			is[a.Number] = a
			o, ok := was[a.Number]
			switch {
			case !ok:
				d.Added = append(d.Added, ArticleChange{Number: a.Number, Label: label(a.Number), New: a})
			case o.Text != a.Text || o.Department != a.Department || o.Chapter != a.Chapter:
				d.Changed = append(d.Changed, ArticleChange{Number: a.Number, Label: label(a.Number), Old: o, New: a})
			}
		}
	}
	if before != nil {
		for i := range before.Articles {
			a := &before.Articles[i]
			if _, ok := is[a.Number]; !ok {
				d.Removed = append(d.Removed, ArticleChange{Number: a.Number, Label: label(a.Number), Old: a})
			}
		}
	}
	for _, l := range [][]ArticleChange{d.Added, d.Removed, d.Changed} {
		sort.SliceStable(l, func(i, j int) bool { return l[i].Number < l[j].Number })
	}
	bf, af := fields(before), fields(after)
	for i := range bf {
		if bf[i][1] != af[i][1] {
			d.Fields = append(d.Fields, FieldChange{Field: bf[i][0], Old: bf[i][1], New: af[i][1]})
		}
	}
	return d
}

// fields are the front-matter fields of d as (name, value) pairs, in the
// order FORMAT.md lists them; all empty for a nil d.
func fields(d *policies.Document) [][2]string {
	if d == nil {
		d = &policies.Document{}
	}
	sample, year := "", ""
	if d.Sample {
		sample = "true"
	}
	if d.Year != 0 {
		year = strconv.Itoa(d.Year)
	}
	return [][2]string{
		{"id", d.ID}, {"title", d.Title}, {"category", string(d.Category)}, {"issuer", d.Issuer},
		{"doc_no", d.DocNo}, {"published", d.Published.String()}, {"effective_from", d.EffectiveFrom.String()},
		{"effective_to", d.EffectiveTo.String()}, {"lead_department", d.LeadDepartment}, {"sample", sample},
		{"supersedes", d.Supersedes}, {"source_url", d.SourceURL},
		{"region", d.Region}, {"level", string(d.Level)}, {"year", year}, {"status", string(d.Status)},
	}
}

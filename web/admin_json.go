package web

// The admin API's values from the corpus's (package adminapi has the JSON
// types, which the docs command decodes too). Times are RFC 3339 in China
// Standard Time, dates YYYY-MM-DD; unset ones are left out.

import (
	"time"

	"policybot/corpus"
	"policybot/corpus/record"
	"policybot/policies"
	"policybot/web/adminapi"
)

func newScopeJSON(d *policies.Document) adminapi.Scope {
	return adminapi.Scope{Region: d.Region, Level: string(d.Level), LevelLabel: d.Level.Label(), Year: d.Year,
		Status: string(d.Status), Inferred: d.Inferred}
}

// stamp formats t for the API; "" when zero.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(policies.CST).Format(time.RFC3339)
}

func findingsJSON(fs []policies.Finding) []adminapi.Finding {
	out := make([]adminapi.Finding, 0, len(fs))
	for _, f := range fs {
		out = append(out, adminapi.Finding{Severity: f.Severity.String(), Code: f.Code, Line: f.Line, Col: f.Col,
			Message: f.Msg.String(), MessageZh: f.Msg.Zh, Match: f.Match, Missing: f.Missing})
	}
	return out
}

func articleOf(d *policies.Document, a *policies.Article) adminapi.Article {
	out := adminapi.Article{Number: a.Number, Label: d.Label(a.Number), Chapter: a.Chapter, Text: a.Text,
		Department: a.Department, StartLine: a.StartLine, EndLine: a.EndLine, Provisions: []adminapi.Provision{}}
	for _, c := range policies.ParseProvisions(a.Text) {
		if c.Lead {
			continue
		}
		out.Provisions = append(out.Provisions, adminapi.Provision{Kind: string(c.Kind), Text: c.Text, Describe: c.Describe()})
	}
	return out
}

// newVersionJSON renders v; withMarkdown adds its text.
func newVersionJSON(v *record.Version, now time.Time, withMarkdown bool) adminapi.DocVersion {
	out := adminapi.DocVersion{
		ID: v.DocID, Version: v.N, Status: string(v.Status), Live: v.N > 0 && v.LiveAt(now), Publishable: v.Publishable(), Title: v.Title,
		Type: v.Source.Type, Source: adminapi.Source{Name: v.Source.Name, Type: v.Source.Type, Size: v.Source.Size, SHA256: v.Source.SHA256},
		BasedOn: v.BasedOn, CreatedBy: v.CreatedBy, CreatedAt: stamp(v.CreatedAt), PublishedAt: stamp(v.PublishedAt),
		RetiredFrom: stamp(v.RetiredFrom), Articles: []adminapi.Article{}, Errors: findingsJSON(v.Errors()), Warnings: []string{}, WarningsZh: []string{},
	}
	if d := v.Doc; d != nil {
		out.ID = d.ID
		out.Title, out.Category, out.Issuer, out.DocNo = d.Title, string(d.Category), d.Issuer, d.DocNo
		out.PublishedOn, out.EffectiveFrom, out.EffectiveTo = d.Published.String(), d.EffectiveFrom.String(), d.EffectiveTo.String()
		out.LeadDepartment, out.Sample, out.Supersedes, out.SourceURL, out.CiteBy = d.LeadDepartment, d.Sample, d.Supersedes, d.SourceURL, string(d.CiteBy)
		out.Scope = newScopeJSON(d)
		for i := range d.Articles {
			out.Articles = append(out.Articles, articleOf(d, &d.Articles[i]))
		}
	}
	if v.N == 0 {
		out.Status = ""
	}
	var findings []policies.Finding
	for _, f := range v.Findings {
		if record.IsHygiene(f) || f.Severity == policies.Warning {
			findings = append(findings, f)
		}
	}
	out.Findings = findingsJSON(findings)
	for _, w := range v.Warnings {
		out.Warnings, out.WarningsZh = append(out.Warnings, w.String()), append(out.WarningsZh, w.Zh)
	}
	if withMarkdown {
		out.Markdown = string(v.Markdown)
	}
	return out
}

func newDiffJSON(d corpus.Diff) *adminapi.Diff {
	out := &adminapi.Diff{From: d.From, To: d.To, Added: []adminapi.Change{}, Removed: []adminapi.Change{}, Changed: []adminapi.Change{}, Fields: []adminapi.FieldChange{}}
	art := func(label string, a *policies.Article) *adminapi.Article {
		if a == nil {
			return nil
		}
		return &adminapi.Article{Number: a.Number, Label: label, Chapter: a.Chapter, Text: a.Text,
			Department: a.Department, StartLine: a.StartLine, EndLine: a.EndLine}
	}
	for _, c := range d.Added {
		out.Added = append(out.Added, adminapi.Change{Article: *art(c.Label, c.New)})
	}
	for _, c := range d.Removed {
		out.Removed = append(out.Removed, adminapi.Change{Article: *art(c.Label, c.Old)})
	}
	for _, c := range d.Changed {
		n := art(c.Label, c.New)
		out.Changed = append(out.Changed, adminapi.Change{Article: *n, Old: art(c.Label, c.Old), New: n})
	}
	for _, f := range d.Fields {
		out.Fields = append(out.Fields, adminapi.FieldChange(f))
	}
	return out
}

func newSummaryJSON(s corpus.Summary) adminapi.Summary {
	out := adminapi.Summary{ID: s.ID, Title: s.Title, Category: string(s.Category), Status: string(s.Status), Live: s.Live,
		Version: s.Current, Current: s.Current, Latest: s.Latest, Draft: s.Draft, Versions: s.Versions,
		RetiredFrom: stamp(s.RetiredFrom), UpdatedAt: stamp(s.UpdatedAt), UpdatedBy: s.UpdatedBy}
	if s.Status == record.Retired && s.Live {
		out.Status = string(record.Published)
	}
	if out.Version == 0 {
		out.Version = s.Latest
	}
	if d := s.Doc; d != nil {
		out.Articles, out.Sample = len(d.Articles), d.Sample
		out.EffectiveFrom, out.EffectiveTo = d.EffectiveFrom.String(), d.EffectiveTo.String()
		out.Region, out.Year = d.Region, d.Year
	}
	return out
}

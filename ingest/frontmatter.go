package ingest

import (
	"policybot/policies"
	"strings"

	"gopkg.in/yaml.v3"
)

// frontFields are the corpus front-matter fields, in the order FORMAT.md
// lists them; empty ones are left out.
type frontFields struct {
	ID             string `yaml:"id,omitempty"`
	Title          string `yaml:"title,omitempty"`
	Category       string `yaml:"category,omitempty"`
	Issuer         string `yaml:"issuer,omitempty"`
	DocNo          string `yaml:"doc_no,omitempty"`
	Published      string `yaml:"published,omitempty"`
	EffectiveFrom  string `yaml:"effective_from,omitempty"`
	EffectiveTo    string `yaml:"effective_to,omitempty"`
	LeadDepartment string `yaml:"lead_department,omitempty"`
	Sample         bool   `yaml:"sample,omitempty"`
	SourceURL      string `yaml:"source_url,omitempty"`
}

// frontMatter renders meta as the "---" block that starts a corpus file.
// Values are marshalled by yaml.v3, so quotes, colons, "#" and leading
// punctuation in titles cannot break the YAML; line breaks in a form field
// become spaces, since every field is one line.
func frontMatter(m policies.Meta) []byte {
	one := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	f := frontFields{
		ID: one(m.ID), Title: one(m.Title), Category: one(m.Category), Issuer: one(m.Issuer),
		DocNo: one(m.DocNo), Published: one(m.Published), EffectiveFrom: one(m.EffectiveFrom),
		EffectiveTo: one(m.EffectiveTo), LeadDepartment: one(m.LeadDepartment), Sample: m.Sample,
		SourceURL: one(m.SourceURL),
	}
	out := []byte("---\n")
	if f != (frontFields{}) {
		// Marshalling a struct of strings and a bool cannot fail.
		y, _ := yaml.Marshal(f)
		out = append(out, y...)
	}
	return append(out, "---\n\n"...)
}

package policies

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"policybot/policies/lang"
	"sort"
	"strings"
)

//go:embed corpus/*.md
var bundled embed.FS

// Corpus is a set of parsed documents with the findings of their sources.
type Corpus struct {
	Docs     []*Document
	Findings []Finding
}

// OK reports whether the corpus has no Error finding.
func (c *Corpus) OK() bool { return !HasErrors(c.Findings) }

// Valid returns the documents that have no Error finding of their own.
func (c *Corpus) Valid() []*Document {
	bad := map[string]bool{}
	for _, f := range c.Findings {
		if f.Severity == Error {
			bad[f.Path] = true
		}
	}
	var out []*Document
	for _, d := range c.Docs {
		if !bad[d.Path] {
			out = append(out, d)
		}
	}
	return out
}

// BundledFS is the sample corpus embedded in the binary.
func BundledFS() (fs.FS, error) { return fs.Sub(bundled, "corpus") }

// Bundled parses the sample corpus embedded in the binary.
func Bundled() (*Corpus, error) {
	sub, err := BundledFS()
	if err != nil {
		return nil, err
	}
	c, err := (&Parser{}).LoadFS(sub, "bundled:")
	if err != nil {
		return nil, err
	}
	if !c.OK() {
		return c, fmt.Errorf("bundled corpus is invalid: %v", c.Findings[0])
	}
	return c, nil
}

// IsSource reports whether name is a file the corpus loader reads.
func IsSource(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".md", ".markdown", ".txt":
		return true
	}
	return false
}

// LoadFS parses every source file under fsys (recursively, in name order);
// prefix is put before each path in findings.
func (p *Parser) LoadFS(fsys fs.FS, prefix string) (*Corpus, error) {
	var names []string
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && IsSource(path) {
			names = append(names, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	c := &Corpus{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			c.Findings = append(c.Findings, Finding{Path: prefix + name, Severity: Error, Code: CodeSize, Msg: lang.T(fmt.Sprintf("cannot read: %v", err), "无法读取")})
			continue
		}
		c.add(p.Parse(prefix+name, data))
	}
	c.checkIDs()
	return c, nil
}

// LoadPaths parses the given files and directories (directories recursively).
// A path that does not exist is an error finding, not a failure.
func (p *Parser) LoadPaths(paths []string) *Corpus {
	c := &Corpus{}
	for _, path := range paths {
		st, err := os.Stat(path)
		if err != nil {
			c.Findings = append(c.Findings, Finding{Path: path, Severity: Error, Code: CodeSize, Msg: lang.T(fmt.Sprintf("cannot read: %v", err), "无法读取")})
			continue
		}
		if !st.IsDir() {
			data, problem := readLimited(path)
			if !problem.IsZero() {
				c.Findings = append(c.Findings, Finding{Path: path, Severity: Error, Code: CodeSize, Msg: problem})
				continue
			}
			c.add(p.Parse(path, data))
			continue
		}
		sub, err := p.LoadFS(os.DirFS(path), filepath.ToSlash(path)+"/")
		if err != nil {
			c.Findings = append(c.Findings, Finding{Path: path, Severity: Error, Code: CodeSize, Msg: lang.T(fmt.Sprintf("cannot read directory: %v", err), "无法读取目录")})
			continue
		}
		c.Docs = append(c.Docs, sub.Docs...)
		c.Findings = append(c.Findings, sub.Findings...)
	}
	c.checkIDs()
	return c
}

func readLimited(path string) (data []byte, problem lang.Text) {
	unreadable := func(err error) lang.Text { return lang.T(fmt.Sprintf("cannot read: %v", err), "无法读取") }
	f, err := os.Open(path)
	if err != nil {
		return nil, unreadable(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, unreadable(err)
	}
	if st.Size() > MaxFileBytes {
		return nil, lang.T(fmt.Sprintf("file is %d bytes, over the %d-byte limit: split it", st.Size(), MaxFileBytes),
			fmt.Sprintf("文件过大（%d 字节，上限 %d 字节），请拆分", st.Size(), MaxFileBytes))
	}
	data = make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, unreadable(err)
	}
	return data, lang.Text{}
}

func (c *Corpus) add(d *Document, fs []Finding) {
	if d != nil {
		c.Docs = append(c.Docs, d)
	}
	c.Findings = append(c.Findings, fs...)
}

// checkIDs reports documents that share an id; the later one is in error.
func (c *Corpus) checkIDs() {
	first := map[string]string{}
	for _, d := range c.Docs {
		if d.ID == "" {
			continue
		}
		if prev, ok := first[d.ID]; ok {
			c.Findings = append(c.Findings, Finding{Path: d.Path, Line: d.idLine, Severity: Error, Code: CodeDuplicateID,
				Msg: lang.T(fmt.Sprintf("duplicate document id %q, also in %s: give each document its own id", d.ID, prev), fmt.Sprintf("文档 id 重复：“%v”", d.ID))})
			continue
		}
		first[d.ID] = d.Path
	}
}

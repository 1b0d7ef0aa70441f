package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
)

// The widget (script and style) and the page templates are compiled in,
// so the single binary serves them anywhere.
//
//go:embed assets templates
var embedded embed.FS

// templates are parsed once; a template that does not parse fails every
// test of the package, never a running server.
var templates = template.Must(template.ParseFS(embedded, "templates/*.html"))

// asset is a static file with its ETag.
type asset struct {
	name        string
	contentType string
	body        []byte
	etag        string
}

func mustAsset(name, contentType string) asset {
	b, err := fs.ReadFile(embedded, name)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return asset{name: name, contentType: contentType, body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

package retrieval

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// FormatVersion is the version of the on-disk index. Bump it whenever the
// files, the chunking, the indexed text or the lexical mapping change
// meaning, so that indexes written by older binaries are rebuilt rather
// than misread.
const FormatVersion = 2

// Names in Options.Dir.
const (
	manifestFile  = "manifest.json"
	vectorsFile   = "vectors.gob"
	embedderFile  = "embedder.gob"
	lexicalPrefix = "lexical-"
	tmpPrefix     = ".tmp-"
)

// manifest describes the index in a directory. It is written last, after
// the files it names, and it records their checksums: a crash mid-build, a
// truncated or overwritten file all show as a mismatch, and the part is
// rebuilt.
type manifest struct {
	Format  int          `json:"format"`
	Corpus  string       `json:"corpus"`
	Chunks  int          `json:"chunks"`
	Lexical *lexicalPart `json:"lexical,omitempty"`
	Vectors *vectorPart  `json:"vectors,omitempty"`
	Built   time.Time    `json:"built"`
}

// lexicalPart is the bleve index, a directory of files.
type lexicalPart struct {
	Dir      string             `json:"dir"`
	Analyzer string             `json:"analyzer"`
	Files    map[string]fileSum `json:"files"`
}

// vectorPart is the chromem snapshot and, for the local embedder, its
// learnt document frequencies.
type vectorPart struct {
	Embedder EmbedderIdentity   `json:"embedder"`
	Files    map[string]fileSum `json:"files"`
}

type fileSum struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

func sum(data []byte) fileSum {
	h := sha256.Sum256(data)
	return fileSum{SHA256: hex.EncodeToString(h[:]), Size: int64(len(data))}
}

// fingerprint identifies what the index was computed from: every chunk's
// ID, the metadata stored with it, and the text that was indexed and
// embedded. Dates are left out: filters read them from the chunks, so a
// changed date needs no rebuild.
func fingerprint(chunks []Chunk, texts []string) string {
	h := sha256.New()
	io.WriteString(h, "retrieval/"+strconv.Itoa(FormatVersion)+"\x00")
	for i, c := range chunks {
		for _, s := range []string{c.ID, c.DocID, string(c.Category), texts[i]} {
			io.WriteString(h, strconv.Itoa(len(s)))
			io.WriteString(h, ":")
			io.WriteString(h, s)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// readManifest reads dir's manifest; os.ErrNotExist when there is none.
func readManifest(dir string) (*manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return &m, nil
}

// readChecked reads dir/name and checks it against the sums.
func readChecked(dir string, sums map[string]fileSum, name string) ([]byte, error) {
	want, ok := sums[name]
	if !ok {
		return nil, fmt.Errorf("manifest lists no %s", name)
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	if got := sum(data); got != want {
		return nil, fmt.Errorf("%s: %d bytes with sha256 %.12s, manifest says %d bytes with %.12s",
			name, got.Size, got.SHA256, want.Size, want.SHA256)
	}
	return data, nil
}

// sumTree returns the sums of every regular file under root, by slash
// path relative to root.
func sumTree(root string) (map[string]fileSum, error) {
	sums := map[string]fileSum{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		sums[filepath.ToSlash(rel)] = sum(data)
		return nil
	})
	return sums, err
}

// checkTree checks that root holds exactly the files of want, unchanged.
func checkTree(root string, want map[string]fileSum) error {
	got, err := sumTree(root)
	if err != nil {
		return err
	}
	if !maps.Equal(got, want) {
		for name, w := range want {
			if g, ok := got[name]; !ok {
				return fmt.Errorf("%s is missing", name)
			} else if g != w {
				return fmt.Errorf("%s changed: %d bytes with sha256 %.12s, manifest says %d bytes with %.12s",
					name, g.Size, g.SHA256, w.Size, w.SHA256)
			}
		}
		return fmt.Errorf("%s holds files the manifest does not list", root)
	}
	return nil
}

// writeAtomic writes data to dir/name through a temporary file and a
// rename, so readers see the old file or the new one, never a part.
func writeAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, tmpPrefix+name+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, name))
}

// writeFiles writes each file atomically and returns their sums.
func writeFiles(dir string, files map[string][]byte) (map[string]fileSum, error) {
	sums := make(map[string]fileSum, len(files))
	for name, data := range files {
		if err := writeAtomic(dir, name, data); err != nil {
			return nil, fmt.Errorf("write %s: %w", name, err)
		}
		sums[name] = sum(data)
	}
	return sums, nil
}

// writeLexicalDir builds the bleve index in a fresh directory of dir and
// returns its part of the manifest. The directory gets a name of its own
// (lexical-XXXX), so a concurrent build never writes into it, and it is
// renamed into place only once complete.
func writeLexicalDir(dir string, chunks []Chunk, texts []string, analyzer string) (*lexicalPart, error) {
	tmp, err := os.MkdirTemp(dir, tmpPrefix+lexicalPrefix)
	if err != nil {
		return nil, err
	}
	final := filepath.Join(dir, lexicalPrefix+strings.TrimPrefix(filepath.Base(tmp), tmpPrefix+lexicalPrefix))
	// bleve wants to create the index directory itself.
	path := filepath.Join(tmp, "index")
	if err := writeLexicalIndex(path, chunks, texts, analyzer); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	sums, err := sumTree(path)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := os.Rename(path, final); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	os.Remove(tmp)
	return &lexicalPart{Dir: filepath.Base(final), Analyzer: analyzer, Files: sums}, nil
}

// writeManifest writes m and then removes what it no longer names: lexical
// directories of earlier builds, the local embedder's state after a switch
// to a remote model, and temporary files more than an hour old (left by a
// crash; younger ones may belong to a build in progress).
func writeManifest(dir string, m *manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(dir, manifestFile, append(data, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", manifestFile, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		stale := false
		switch {
		case strings.HasPrefix(name, lexicalPrefix):
			stale = m.Lexical == nil || name != m.Lexical.Dir
		case name == vectorsFile || name == embedderFile:
			stale = true
			if m.Vectors != nil {
				_, ok := m.Vectors.Files[name]
				stale = !ok
			}
		case strings.HasPrefix(name, tmpPrefix):
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
				stale = true
			}
		}
		if stale {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"policybot/bot/convlog"
)

// fileConversations keeps CLI conversations (ask --conversation ID) as one
// JSON file each under the data directory, so a follow-up asked in a new
// process sees the earlier turns. The server uses its database instead.
type fileConversations struct{ dir string }

var _ convlog.Conversations = fileConversations{}

func (f fileConversations) path(id string) (string, error) {
	if err := convlog.CheckConversationID(id); err != nil {
		return "", fmt.Errorf("conversation %q: %w", id, err)
	}
	return filepath.Join(f.dir, id+".json"), nil
}

func (f fileConversations) Recent(_ context.Context, id string, n int) ([]convlog.Turn, error) {
	p, err := f.path(id)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var turns []convlog.Turn
	if err := json.Unmarshal(data, &turns); err != nil {
		return nil, fmt.Errorf("conversation %s is damaged, starting afresh: %w", id, err)
	}
	if len(turns) > n {
		turns = turns[len(turns)-n:]
	}
	return turns, nil
}

func (f fileConversations) Append(ctx context.Context, id string, t convlog.Turn) error {
	p, err := f.path(id)
	if err != nil {
		return err
	}
	turns, _ := f.Recent(ctx, id, convlog.MaxTurnsKept-1)
	turns = append(turns, t)
	data, err := json.Marshal(turns)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

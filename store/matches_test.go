package store

import (
	"testing"

	"policybot/corpus"
	"policybot/store/storetest"
)

func TestSQLiteMatchLog(t *testing.T) {
	storetest.RunMatchLog(t, func(t *testing.T) corpus.MatchLog { return openTemp(t) })
}

func TestPostgresMatchLog(t *testing.T) {
	storetest.RunMatchLog(t, func(t *testing.T) corpus.MatchLog { return openPostgresTemp(t) })
}

package store

import (
	"testing"

	"policybot/bot/convlog"
	"policybot/store/storetest"
)

func TestSQLiteMatchLog(t *testing.T) {
	storetest.RunMatchLog(t, func(t *testing.T) convlog.MatchLog { return openTemp(t) })
}

func TestPostgresMatchLog(t *testing.T) {
	storetest.RunMatchLog(t, func(t *testing.T) convlog.MatchLog { return openPostgresTemp(t) })
}

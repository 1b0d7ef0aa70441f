package slackbot

import (
	"os"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestManifest keeps the app manifest to exactly what the adapter uses.
func TestManifest(t *testing.T) {
	raw, err := os.ReadFile("../slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			AppHome struct {
				MessagesTab         bool `yaml:"messages_tab_enabled"`
				MessagesTabReadOnly bool `yaml:"messages_tab_read_only_enabled"`
			} `yaml:"app_home"`
			SlashCommands []struct {
				Command string `yaml:"command"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				Bot []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	same := func(name string, got, want []string) {
		got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			t.Errorf("manifest %s = %v, want %v", name, got, want)
		}
	}
	same("bot scopes", m.OAuth.Scopes.Bot, []string{"app_mentions:read", "channels:history", "groups:history", "im:history", "chat:write", "commands"})
	same("bot events", m.Settings.Events.Bot, []string{"app_mention", "message.channels", "message.groups", "message.im"})
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/policy" {
		t.Errorf("slash commands = %+v, want /policy", m.Features.SlashCommands)
	}
	if !m.Features.AppHome.MessagesTab || m.Features.AppHome.MessagesTabReadOnly {
		t.Error("the messages tab must be on and writable, or nobody can DM the bot")
	}
	if !m.Settings.Interactivity.Enabled || !m.Settings.SocketMode {
		t.Error("interactivity (buttons) and Socket Mode (the default) must be on")
	}
}

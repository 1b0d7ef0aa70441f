// Package lang is a message in the two languages PolicyBot speaks to
// people: English and Chinese.
//
// A message is a value that holds both (Text), never one string
// "English (中文)" that a reader splits back: the admin page shows Zh,
// English clients read En, and logs and the command line print both
// (String). A message a program acts on carries a code beside it (the
// Code of a policies.Finding, of a fault.Error), never a sentence to match.
//
// The package imports nothing of the project, so every package may use it.
package lang

// Text is one message in English and Chinese. The Chinese is the whole
// message, with the values it names (an id, a date, 第N条), not a
// translation of its gist.
type Text struct {
	En string `json:"en"`
	Zh string `json:"zh"`
}

// T is the message with English en and Chinese zh.
func T(en, zh string) Text { return Text{En: en, Zh: zh} }

// String is the message as logs and the command line print it:
// "English (中文)", or the one language a Text has.
func (t Text) String() string {
	switch {
	case t.Zh == "" || t.Zh == t.En:
		return t.En
	case t.En == "":
		return t.Zh
	}
	return t.En + " (" + t.Zh + ")"
}

// IsZero reports whether t says nothing.
func (t Text) IsZero() bool { return t.En == "" && t.Zh == "" }

package web

import (
	"sync"
	"time"
)

// Messages one follow-up link may post in postWindow: a person writes a few; a script replaying
// the link would have the desk mail the technician each time.
const (
	postsPerLink = 5
	postWindow   = time.Hour
)

// linkLimiter counts the posts of each link in a sliding window, in memory: a restart forgets
// them, which costs at most one more window's worth.
type linkLimiter struct {
	mu    sync.Mutex
	posts map[string][]time.Time
}

// allow reports whether link may post at now, and counts the post if so.
func (l *linkLimiter) allow(link string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.posts == nil {
		l.posts = map[string][]time.Time{}
	}
	if len(l.posts) > 10000 {
		l.sweep(now)
	}
	var recent []time.Time
	for _, at := range l.posts[link] {
		if now.Sub(at) < postWindow {
			recent = append(recent, at)
		}
	}
	if len(recent) >= postsPerLink {
		l.posts[link] = recent
		return false
	}
	l.posts[link] = append(recent, now)
	return true
}

// sweep forgets the links with no post in the window.
func (l *linkLimiter) sweep(now time.Time) {
	for k, ts := range l.posts {
		if len(ts) == 0 || now.Sub(ts[len(ts)-1]) >= postWindow {
			delete(l.posts, k)
		}
	}
}

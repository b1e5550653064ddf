package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/deskd/deskd/tickets"
)

// The JSON API: GET /api/v1/tickets[?status=S] and GET /api/v1/tickets/N answer the JSON of
// `deskd ticket list --json` and `deskd ticket show N --json`, written by the same encoder
// (tickets.Store.EncodeList, tickets.EncodeJSON). A request carries a person's token (`deskd token create EMAIL`) as
// "Authorization: Bearer TOKEN"; the person must be a technician or a coordinator.

func (s *Server) api(h func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="deskd"`)
			apiError(w, http.StatusUnauthorized, "a token is required: Authorization: Bearer TOKEN (deskd token create EMAIL)")
			return
		}
		email, err := s.o.Store.TokenOwner(r.Context(), strings.TrimSpace(tok))
		if errors.Is(err, tickets.ErrNoToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="deskd", error="invalid_token"`)
			apiError(w, http.StatusUnauthorized, "unknown token")
			return
		}
		if err != nil {
			s.log.Error("web: api token", "err", err)
			apiError(w, http.StatusInternalServerError, "internal error")
			return
		}
		if _, ok := staffUser(s.settings().desk, email); !ok {
			apiError(w, http.StatusForbidden, "the token's owner is not on the team")
			return
		}
		h(w, r, email)
	}
}

func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = tickets.EncodeJSON(w, map[string]string{"error": msg})
}

func apiJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = tickets.EncodeJSON(w, v)
}

func (s *Server) apiList(w http.ResponseWriter, r *http.Request, _ string) {
	var f tickets.ListFilter
	if v := r.URL.Query().Get("status"); v != "" {
		st, err := tickets.ParseStatus(v)
		if err != nil {
			apiError(w, http.StatusBadRequest, err.Error())
			return
		}
		f.Status = st
	}
	// The same writer as `deskd ticket list --json`: an incident with its linked requests, a
	// ticket at a time. An error once the answer has begun can only cut it short: it is logged.
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.o.Store.EncodeList(r.Context(), w, f); err != nil {
		s.log.Error("web: api list", "err", err)
	}
}

func (s *Server) apiShow(w http.ResponseWriter, r *http.Request, _ string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		apiError(w, http.StatusNotFound, "no such ticket")
		return
	}
	j, err := s.o.Store.Show(r.Context(), id)
	if errors.Is(err, tickets.ErrNoTicket) {
		apiError(w, http.StatusNotFound, "no such ticket")
		return
	}
	if err != nil {
		s.log.Error("web: api show", "err", err)
		apiError(w, http.StatusInternalServerError, "internal error")
		return
	}
	j.Explain = nil // As `deskd ticket show --json`.
	apiJSON(w, j)
}

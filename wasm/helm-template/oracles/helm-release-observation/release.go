package main

import (
	"encoding/json"
	"time"
)

// Copies of Helm 4.2's release and chart types as far as helm-controller's Observation reaches (json
// tags, field order, and the MarshalJSON of Info and HookExecution that leave zero times out), and of
// helm-controller's Observation itself (internal/release/observation.go).

// Info is Helm's release.Info.
type Info struct {
	FirstDeployed    time.Time `json:"first_deployed"`
	LastDeployed     time.Time `json:"last_deployed"`
	Deleted          time.Time `json:"deleted"`
	Description      string    `json:"description,omitempty"`
	Status           string    `json:"status,omitempty"`
	RollbackRevision int       `json:"rollback_revision,omitempty"`
	Notes            string    `json:"notes,omitempty"`
}

// infoJSON is how Info.MarshalJSON writes an Info: zero times left out.
type infoJSON struct {
	FirstDeployed    *time.Time `json:"first_deployed,omitempty"`
	LastDeployed     *time.Time `json:"last_deployed,omitempty"`
	Deleted          *time.Time `json:"deleted,omitempty"`
	Description      string     `json:"description,omitempty"`
	Status           string     `json:"status,omitempty"`
	RollbackRevision int        `json:"rollback_revision,omitempty"`
	Notes            string     `json:"notes,omitempty"`
}

// MarshalJSON leaves zero times out, as Helm 4's does.
func (i Info) MarshalJSON() ([]byte, error) {
	t := infoJSON{Description: i.Description, Status: i.Status, RollbackRevision: i.RollbackRevision, Notes: i.Notes}
	if !i.FirstDeployed.IsZero() {
		t.FirstDeployed = &i.FirstDeployed
	}
	if !i.LastDeployed.IsZero() {
		t.LastDeployed = &i.LastDeployed
	}
	if !i.Deleted.IsZero() {
		t.Deleted = &i.Deleted
	}
	return json.Marshal(t)
}

// HookExecution is Helm's release.HookExecution.
type HookExecution struct {
	StartedAt   time.Time `json:"started_at"`
	CompletedAt time.Time `json:"completed_at"`
	Phase       string    `json:"phase"`
}

// hookExecutionJSON is how HookExecution.MarshalJSON writes one: zero times left out.
type hookExecutionJSON struct {
	StartedAt   *time.Time `json:"started_at,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Phase       string     `json:"phase"`
}

// MarshalJSON leaves zero times out, as Helm 4's does.
func (h HookExecution) MarshalJSON() ([]byte, error) {
	t := hookExecutionJSON{Phase: h.Phase}
	if !h.StartedAt.IsZero() {
		t.StartedAt = &h.StartedAt
	}
	if !h.CompletedAt.IsZero() {
		t.CompletedAt = &h.CompletedAt
	}
	return json.Marshal(t)
}

// Hook is Helm's release.Hook.
type Hook struct {
	Name              string        `json:"name,omitempty"`
	Kind              string        `json:"kind,omitempty"`
	Path              string        `json:"path,omitempty"`
	Manifest          string        `json:"manifest,omitempty"`
	Events            []string      `json:"events,omitempty"`
	LastRun           HookExecution `json:"last_run"`
	Weight            int           `json:"weight,omitempty"`
	DeletePolicies    []string      `json:"delete_policies,omitempty"`
	OutputLogPolicies []string      `json:"output_log_policies,omitempty"`
}

// Maintainer is Helm's chart.Maintainer.
type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Dependency is Helm's chart.Dependency.
type Dependency struct {
	Name         string        `json:"name"`
	Version      string        `json:"version,omitempty"`
	Repository   string        `json:"repository"`
	Condition    string        `json:"condition,omitempty"`
	Tags         []string      `json:"tags,omitempty"`
	Enabled      bool          `json:"enabled,omitempty"`
	ImportValues []interface{} `json:"import-values,omitempty"`
	Alias        string        `json:"alias,omitempty"`
}

// Metadata is Helm's chart.Metadata.
type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []*Maintainer     `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []*Dependency     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}

// Chart is the part of Helm's chart.Chart an Observation keeps.
type Chart struct {
	Metadata *Metadata `json:"metadata"`
}

// Release is Helm's release.Release without what an Observation leaves out.
type Release struct {
	Name      string                 `json:"name"`
	Namespace string                 `json:"namespace"`
	Version   int                    `json:"version"`
	Info      *Info                  `json:"info"`
	Chart     *Chart                 `json:"chart"`
	Config    map[string]interface{} `json:"config"`
	Manifest  string                 `json:"manifest"`
	Hooks     []*Hook                `json:"hooks"`
}

// Observation is helm-controller's release.Observation, in its field order.
type Observation struct {
	Name          string                 `json:"name"`
	Version       int                    `json:"version"`
	Info          Info                   `json:"info"`
	ChartMetadata Metadata               `json:"chartMetadata"`
	Config        map[string]interface{} `json:"config"`
	Manifest      string                 `json:"manifest"`
	Hooks         []Hook                 `json:"hooks"`
	Namespace     string                 `json:"namespace"`
	OCIDigest     string                 `json:"ociDigest,omitempty"`
}

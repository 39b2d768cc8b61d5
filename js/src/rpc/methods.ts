// Generated from the method table (lamin_widgets/protocol/methods.py) by
// `python -m lamin_widgets.protocol.typescript > js/src/rpc/methods.ts`; do not edit:
// tests/widgets/test_protocol_types.py fails when this file and the table differ.
import type { Group } from "../spec";

/** A filter spec: the JSON tree of groups and conditions (protocol/filterspec.py). */
export type FilterSpec = Group;

export const METHODS = [
  "list_registries",
  "schema",
  "page",
  "count",
  "search",
  "lookup",
  "view",
  "codegen",
  "record",
  "preview",
  "summaries",
  "lineage",
] as const;

export type Method = (typeof METHODS)[number];

/** Each method's parameters: optional ones take null for their default. */
export interface MethodParams {
  list_registries: {
    counts?: boolean | null;
  };
  schema: {
    registry: string;
  };
  page: {
    registry: string;
    filters?: FilterSpec | null;
    search?: string | null;
    order?: string[] | null;
    offset?: number | null;
    limit?: number | null;
    columns?: string[] | null;
    features?: string[] | null;
  };
  count: {
    registry: string;
    filters?: FilterSpec | null;
    search?: string | null;
    order?: string[] | null;
    exact_matches?: boolean | null;
  };
  search: {
    registry: string;
    string: string;
    limit?: number | null;
    filters?: FilterSpec | null;
  };
  lookup: {
    registry: string;
    field?: string | null;
    prefix?: string | null;
    limit?: number | null;
  };
  view: {
    limit?: number | null;
    modules?: string[] | null;
  };
  codegen: {
    registry: string;
    filters?: FilterSpec | null;
    search?: string | null;
    order?: string[] | null;
  };
  record: {
    registry: string;
    id: number;
  };
  preview: {
    registry: string;
    id: number;
  };
  summaries: {
    registry: string;
    filters?: FilterSpec | null;
    search?: string | null;
    order?: string[] | null;
    columns: string[];
    bins?: number | null;
    top?: number | null;
    exact?: boolean | null;
  };
  lineage: {
    registry: string;
    id: number;
  };
}

/** The `type` of an error answer (lamin_widgets/protocol/errors.py). */
export type ErrorType =
  | "bad_request"
  | "cancelled"
  | "database_unavailable"
  | "instance_switch"
  | "internal_error"
  | "no_instance"
  | "not_found"
  | "timeout"
  | "unavailable";

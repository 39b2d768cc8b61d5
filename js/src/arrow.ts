// Arrow IPC decoding (@uwdata/flechette): pages of rows arrive as one IPC stream each.
import { tableFromIPC } from "@uwdata/flechette";

export interface Frame {
  columns: string[];
  types: string[];
  rows: Record<string, unknown>[];
}

export function decodeFrame(bytes: Uint8Array): Frame {
  const table = tableFromIPC(bytes, { useDate: true });
  const fields = table.schema.fields;
  return {
    columns: fields.map((f) => f.name),
    types: fields.map((f) => typeName(f.type.typeId)),
    rows: table.toArray() as Record<string, unknown>[],
  };
}

function typeName(typeId: number): string {
  // Arrow type ids: 2 int, 3 float, 5 utf8, 6 bool, 10 timestamp, 12 list
  switch (typeId) {
    case 2:
    case 3:
      return "number";
    case 6:
      return "bool";
    case 10:
      return "datetime";
    case 12:
      return "list";
    default:
      return "text";
  }
}

/* SPDX-License-Identifier: ISC */
/* states: the name tables of the state enums (see states.h). */
#include "config.h"

#include "base/states.h"

/* Defines what NAMED_ENUM_DECL(type) declares: the name table, from the
 * names given each at its value, and the two functions. */
#define NAMED_ENUM_DEF(type, ...)                                               \
	static const char *const type##_texts[] = { __VA_ARGS__ };              \
	const struct name_table type##_names = NAME_TABLE(type##_texts);        \
	const char *                                                            \
	type##_name(enum type v)                                                \
	{                                                                       \
		return name_of(&type##_names, (int)v);                          \
	}                                                                       \
	bool                                                                    \
	type##_parse(const char *name, enum type *out)                          \
	{                                                                       \
		int v;                                                          \
                                                                                \
		if (!value_of(&type##_names, name, &v))                         \
			return false;                                           \
		*out = (enum type)v;                                            \
		return true;                                                    \
	}

NAMED_ENUM_DEF(input_status, [INPUT_NONE] = NULL, [INPUT_ACCEPTED] = "accepted",
    [INPUT_DUPLICATE] = "duplicate", [INPUT_DEFERRED] = "deferred",
    [INPUT_REJECTED] = "rejected")

NAMED_ENUM_DEF(order_status, [ORDER_PENDING] = "pending", [ORDER_CONFIRMED] = "confirmed",
    [ORDER_PROCESSING] = "processing", [ORDER_COMPLETED] = "completed",
    [ORDER_CANCELLED] = "cancelled", [ORDER_ARCHIVED] = "archived")

NAMED_ENUM_DEF(capture_state, [CAPTURE_NONE] = "none", [CAPTURE_WAITING] = "waiting",
    [CAPTURE_REQUESTED] = "requested", [CAPTURE_CAPTURED] = "captured",
    [CAPTURE_FAILED] = "failed")

NAMED_ENUM_DEF(request_status, [REQUEST_PENDING] = "pending", [REQUEST_SUCCEEDED] = "succeeded",
    [REQUEST_FAILED] = "failed")

NAMED_ENUM_DEF(request_type, [REQUEST_CAPTURE] = "capture", [REQUEST_REFUND] = "refund",
    [REQUEST_RELEASE] = "release")

NAMED_ENUM_DEF(link_status, [LINK_OPEN] = "open", [LINK_SPENT] = "spent",
    [LINK_EXPIRED] = "expired", [LINK_VOID] = "void")

NAMED_ENUM_DEF(document_type, [DOC_INVOICE] = "invoice", [DOC_CREDIT_NOTE] = "credit_note",
    [DOC_PROFORMA] = "proforma", [DOC_CAPTURE] = "capture", [DOC_REFUND] = "refund",
    [DOC_RELEASE] = "release", [DOC_LINK] = "link")

NAMED_ENUM_DEF(job_outcome, [JOB_SELECTED] = "selected", [JOB_SUBMITTED] = "submitted",
    [JOB_APPLIED] = "applied", [JOB_SKIPPED] = "skipped", [JOB_DEFERRED] = "deferred",
    [JOB_REJECTED] = "rejected", [JOB_ABANDONED] = "abandoned")

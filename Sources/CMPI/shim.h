/* Open MPI's C API for Swift. MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, …) are macros over the
 * addresses of library globals, which Swift cannot import: these inline functions hand them over. */
#include <mpi.h>

static inline MPI_Comm tumble_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype tumble_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype tumble_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op tumble_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Errhandler tumble_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline void *tumble_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int tumble_mpi_success(void) { return MPI_SUCCESS; }
static inline int tumble_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline MPI_Info tumble_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline int tumble_mpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
static inline MPI_Status *tumble_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Request tumble_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline int tumble_mpi_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }

Rails.application.routes.draw do
  # Liveness: 200 when the app booted. It never touches the database.
  get "up" => "rails/health#show", as: :rails_health_check
  # Readiness: also checks the database, so a pod without one gets no traffic.
  get "ready" => "readiness#show"

  resources :uploads, only: [:index, :create]
  root "uploads#index"
end

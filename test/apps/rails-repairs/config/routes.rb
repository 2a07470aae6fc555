Rails.application.routes.draw do
  # Load balancers and uptime monitors: 200 when the app boots without exceptions, else 500.
  get "up" => "rails/health#show", as: :rails_health_check

  resources :tickets, only: %i[index show new create update]
  root "tickets#index"
end
